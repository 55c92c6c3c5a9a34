import { PantherError } from "./base";

/**
 * Configuration is missing or unusable (no URL or key, a URL that is not
 * HTTPS, ...). Nothing was sent: `applied` is `"no"`.
 */
export class PantherConfigError extends PantherError {
  constructor(message: string) {
    super("PANTHER_CONFIG", message, { applied: "no" });
    this.name = "PantherConfigError";
  }
}
