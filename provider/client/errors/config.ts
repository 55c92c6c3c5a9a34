import { PantherError } from "./base";

/** Configuration is missing or unusable (no URL or key, a URL that is not HTTPS, ...). */
export class PantherConfigError extends PantherError {
  constructor(message: string) {
    super("PANTHER_CONFIG", message);
    this.name = "PantherConfigError";
  }
}
