/**
 * The gateway in front of the emulated Panther: what the HTTP server adds
 * to the core. Injected faults, the rate limit, seeded random failures and
 * late landings all happen here, never in the core, so an in-process
 * harness can bring its own.
 */
import type { EmulatorControl, EmulatorCoreControl } from "./control";
import { FaultTable } from "./faults";
import { LateLandings } from "./lateLandings";
import { RandomFailures, validateRandomFailures } from "./randomFailures";
import { TokenBucket, validateRateLimit } from "./rateLimit";

/** Mutable gateway state of one HTTP emulator. */
export class Gateway {
  /** Injected faults waiting to apply. */
  readonly faults = new FaultTable();
  readonly lateLandings = new LateLandings();
  rateLimiter: TokenBucket | undefined;
  randomFailures: RandomFailures | undefined;
}

/** The full control object: the core's, plus the gateway's methods. */
export function createGatewayControl(core: EmulatorCoreControl, gateway: Gateway): EmulatorControl {
  return {
    ...core,
    addFault: (fault) => gateway.faults.add(fault),
    removeFault: (id) => gateway.faults.remove(id),
    pendingFaults: () => gateway.faults.pendingIds(),
    clearFaults: () => {
      gateway.faults.clear();
    },
    setRateLimit: (config) => {
      gateway.rateLimiter =
        config === null ? undefined : new TokenBucket(validateRateLimit(config));
    },
    setRandomFailures: (config) => {
      gateway.randomFailures =
        config === null ? undefined : new RandomFailures(validateRandomFailures(config));
    },
    pendingLateLandings: () => gateway.lateLandings.count(),
    landNow: () => gateway.lateLandings.landNow(),
  };
}
