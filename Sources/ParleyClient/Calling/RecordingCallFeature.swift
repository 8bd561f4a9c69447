import ParleyAPI

/// Whether a call is being recorded (`Features.Recording` of the ACS SDK). An app must show it
/// in real time, including when it joins a call already recorded: read
/// ``isRecordingActive`` first, then follow ``isRecordingActiveChanged``.
///
/// Teams users start and stop recording with ``Call/startRecording()``; the resource through
/// its REST API.
public struct RecordingCallFeature: Sendable {
    let call: Call

    public var isRecordingActive: Bool { call.snapshot.isRecordingActive }
    /// The new values, from now on.
    public var isRecordingActiveChanged: AsyncStream<Bool> { call.recordingSource.subscribe() }
}
