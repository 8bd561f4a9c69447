/// How faithfully Parley copies the interop limitations of the real service (DESIGN.md C1–C4,
/// K1–K6). `faithful` enforces them; `extended` lifts those marked so.
public enum InteropProfile: String, Sendable, CaseIterable {
    case faithful
    case extended
}

/// The profile rules' refusals, each with its Parley code (docs/errors.md).
enum InteropRules {
    /// C1: only app users start chats that include org users; org users cannot add app users.
    static func orgUsersCannotAddAppUsers() -> ParleyError {
        ParleyError(
            .forbidden,
            wireCode: "OrgUserCannotAddAppUser",
            "Teams users cannot start chats with, or add, app users (interop profile 'faithful', rule C1)."
        )
    }

    /// C2: app users cannot send images or files into chats with org users (links are fine).
    static func appUsersCannotSendFiles() -> ParleyError {
        ParleyError(
            .forbidden,
            wireCode: "AppUserCannotSendFiles",
            "App users cannot send images or files into chats with Teams users; share a link instead (interop profile 'faithful', rule C2)."
        )
    }
}
