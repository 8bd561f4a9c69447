/// Names a feature of a call for ``Call/feature(_:)``, as `Features.X` does in the ACS SDKs:
/// `call.feature(.recording).isRecordingActive`.
public struct CallFeatureKind<Feature>: Sendable {
    let make: @Sendable (Call) -> Feature
}

extension CallFeatureKind where Feature == RecordingCallFeature {
    /// Whether the call is being recorded: the privacy signal every app participant must show.
    public static var recording: Self { Self(make: RecordingCallFeature.init) }
}

extension CallFeatureKind where Feature == TranscriptionCallFeature {
    /// Whether the call is being transcribed: the privacy signal every app participant must show.
    public static var transcription: Self { Self(make: TranscriptionCallFeature.init) }
}

extension CallFeatureKind where Feature == CapabilitiesCallFeature {
    /// What this endpoint may do in the call.
    public static var capabilities: Self { Self(make: CapabilitiesCallFeature.init) }
}
