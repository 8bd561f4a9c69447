/// Where an ICE server sits relative to the client, as ACS Network Traversal names it: `any`
/// favours reliability, `nearest` latency. Parley runs one relay, so both route types hand out
/// the same servers; the distinction is kept so clients that ask for one get that one.
public enum RelayRouteType: String, Sendable, CaseIterable {
    case any
    case nearest

    /// The route type a request names, or nil when it names none. The value is matched without
    /// regard to case (`Any` is `any`); anything else is a 400.
    public static func parse(_ value: String?) throws(ParleyError) -> RelayRouteType? {
        guard let value else { return nil }
        guard let routeType = RelayRouteType(rawValue: value.lowercased()) else {
            throw ParleyError(
                .validation,
                "routeType '\(value)' is invalid. Value must be one of: \(allCases.map(\.rawValue).joined(separator: ", ")).",
                target: "routeType"
            )
        }
        return routeType
    }
}
