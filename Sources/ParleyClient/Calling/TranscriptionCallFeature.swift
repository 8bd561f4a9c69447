import ParleyAPI

/// Whether a call is being transcribed (`Features.Transcription` of the ACS SDK). An app must
/// show it in real time, as it shows recording (``RecordingCallFeature``).
///
/// Teams users start and stop transcription with ``Call/startTranscription()``.
public struct TranscriptionCallFeature: Sendable {
    let call: Call

    public var isTranscriptionActive: Bool { call.snapshot.isTranscriptionActive }
    /// The new values, from now on.
    public var isTranscriptionActiveChanged: AsyncStream<Bool> { call.transcriptionSource.subscribe() }
}
