/**
 * The gateway in front of the emulated Panther: what the HTTP server adds
 * to the core. Injected faults and late landings happen here, never in the
 * core, so an in-process harness can bring its own.
 */
import type { EmulatorControl, EmulatorCoreControl } from "./control";
import { FaultTable } from "./faults";
import { LateLandings } from "./lateLandings";

/** Mutable gateway state of one HTTP emulator. */
export class Gateway {
  /** Injected faults waiting to apply. */
  readonly faults = new FaultTable();
  readonly lateLandings = new LateLandings();
}

/** The full control object: the core's, plus the gateway's methods. */
export function createGatewayControl(core: EmulatorCoreControl, gateway: Gateway): EmulatorControl {
  return {
    ...core,
    addFault: (fault) => gateway.faults.add(fault),
    clearFaults: () => {
      gateway.faults.clear();
    },
  };
}
