/**
 * The one error class the emulator throws at its callers: bad options given
 * to `startEmulator`, bad input to the control API, or a control call on a
 * token that does not exist.
 */

/**
 * Stable codes of {@link EmulatorError}; match on these rather than on the
 * message.
 *
 * - `EMULATOR_INVALID_OPTION`: an {@link EmulatorOptions} value is out of range
 *   (for example a non-loopback host without `allowRemote`).
 * - `EMULATOR_INVALID_INPUT`: a control call got input that fails validation;
 *   over HTTP this is a 400.
 * - `EMULATOR_NOT_FOUND`: a control call named a token id that does not
 *   exist; over HTTP this is a 404.
 *
 * @see EmulatorOptions in `./options`
 */
export type EmulatorErrorCode =
  "EMULATOR_INVALID_OPTION" | "EMULATOR_INVALID_INPUT" | "EMULATOR_NOT_FOUND";

/**
 * An error raised by the emulator's own API (not an HTTP answer to a client).
 *
 * @example
 * try {
 *   emulator.control.rotateToken("no-such-id");
 * } catch (error) {
 *   if (error instanceof EmulatorError && error.code === "EMULATOR_NOT_FOUND") { ... }
 * }
 */
export class EmulatorError extends Error {
  override readonly name = "EmulatorError";
  /** What went wrong, as a stable code. */
  readonly code: EmulatorErrorCode;

  constructor(code: EmulatorErrorCode, message: string) {
    super(message);
    this.code = code;
  }

  /** The HTTP status the control API answers with for this error: 404 for a missing token, else 400. */
  get status(): 400 | 404 {
    return this.code === "EMULATOR_NOT_FOUND" ? 404 : 400;
  }
}
