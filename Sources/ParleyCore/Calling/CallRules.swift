import ParleyAPI

/// The calling rules of the interop profile that need no directory (DESIGN.md K1–K5), and the
/// refusals of the `faithful` profile, each with its Parley code and sub-code (docs/errors.md).
struct CallRules: Sendable {
    let profile: InteropProfile

    /// K1: an app user calls the organization side 1:1 only.
    func checkStart(caller: CallParty, targets: [CallPolicy.Target]) throws {
        guard profile == .faithful, targets.count > 1 else { return }
        let parties = [caller] + targets.map(\.party)
        if parties.contains(where: \.isAppUser), parties.contains(where: \.isOrganization) { throw CallRules.interopCallNotOneToOne() }
    }

    /// K1/K2: under `faithful` an interop call takes in nobody, and an app-side call never takes
    /// in the organization side.
    func checkAdd(to call: LiveCall, target: CallPolicy.Target) throws {
        guard profile == .faithful else { return }
        if call.isInterop { throw CallRules.noEscalation() }
        let parties = call.participants.map(\.party) + [target.party]
        if parties.contains(where: \.isAppUser), parties.contains(where: \.isOrganization) { throw CallRules.noEscalation() }
    }

    /// K5: under `faithful` a Teams user cannot transfer a call to an app user.
    func checkTransfer(by transferor: CallParty, to target: CommunicationIdentifierModel) throws {
        guard profile == .faithful, transferor.isOrganization, case .communicationUser = target.identifier else { return }
        throw CallRules.orgUserCannotTransferToAppUser()
    }

    /// K3: under `faithful` the resource cannot record a 1:1 interop call.
    func checkResourceRecording(of call: LiveCall) throws {
        guard profile == .faithful, call.isInterop, !call.isGroupCall else { return }
        throw CallRules.noResourceRecordingOfInteropCall()
    }

    // MARK: Refusals

    static func interopCallNotOneToOne() -> ParleyError {
        ParleyError(
            .forbidden,
            wireCode: "InteropCallNotOneToOne",
            "App users call Teams users and voice apps 1:1 only (interop profile 'faithful', rule K1).",
            subCode: 47101
        )
    }

    static func orgUserCannotCallAppUser() -> ParleyError {
        ParleyError(
            .forbidden,
            wireCode: "OrgUserCannotCallAppUser",
            "Teams users cannot call app users (interop profile 'faithful', rule K1).",
            subCode: 47102
        )
    }

    static func noEscalation() -> ParleyError {
        ParleyError(
            .forbidden,
            wireCode: "InteropCallEscalationNotAllowed",
            "An interop call cannot become a group call (interop profile 'faithful', rule K2).",
            subCode: 47103
        )
    }

    static func noResourceRecordingOfInteropCall() -> ParleyError {
        ParleyError(
            .forbidden,
            wireCode: "InteropCallRecordingNotAllowed",
            "The resource cannot record a 1:1 call with a Teams user (interop profile 'faithful', rule K3).",
            subCode: 47104
        )
    }

    static func orgUserCannotTransferToAppUser() -> ParleyError {
        ParleyError(
            .forbidden,
            wireCode: "OrgUserCannotTransferToAppUser",
            "Teams users cannot transfer calls to app users (interop profile 'faithful', rule K5).",
            subCode: 47105
        )
    }
}
