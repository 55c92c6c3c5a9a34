/**
 * The client's permission table against the emulator's. The emulator keeps its own (it is a
 * double of Panther, not of this client), so the two agreeing is something to check, not a
 * consequence of sharing a list.
 */
import * as emulator from "../../packages/panther-api-emulator/src/permissions";
import {
  KNOWN_PERMISSIONS,
  MODIFY_PERMISSION,
  READ_PERMISSION,
} from "../../provider/client/permissions";

it("knows the same permission names as the emulator, in the same order", () => {
  expect([...KNOWN_PERMISSIONS]).toEqual([...emulator.KNOWN_PERMISSIONS]);
  expect(new Set(KNOWN_PERMISSIONS).size).toBe(KNOWN_PERMISSIONS.length);
});

it("asks for the permissions the emulator enforces on the api-tokens endpoints", () => {
  expect({ read: READ_PERMISSION, modify: MODIFY_PERMISSION }).toEqual({
    read: emulator.READ_PERMISSION,
    modify: emulator.MODIFY_PERMISSION,
  });
});
