import Hummingbird
import ParleyCore

/// Where the resource APIs (Identity, Network Traversal, Call Automation, and those to come) are
/// served: the shared endpoint, and each resource's own endpoint `/resources/<name>/`, which
/// names the resource for bearer tokens (they do not) and that the Azure SDKs keep intact as an
/// endpoint path. Every route is behind the api-version check and ``ResourceAuthenticationMiddleware``.
enum ResourceEndpoints {
    /// The path of a resource's own endpoint, below the server's.
    static func path(of resource: CommunicationResource) -> String {
        "resources/\(PercentEncoding.encode(resource.name))/"
    }

    /// `https://host:port/resources/<name>/` for the server endpoint `https://host:port/`.
    static func url(of resource: CommunicationResource, server endpoint: String) -> String {
        endpoint + path(of: resource)
    }

    /// Adds a resource API's routes (`addRoutes`) at both endpoints.
    static func mount(
        on router: Router<ParleyRequestContext>,
        apiVersions: [String],
        authentication: ResourceAuthenticationMiddleware,
        _ addRoutes: (RouterGroup<ParleyRequestContext>) -> Void
    ) {
        for group in [router.group(), router.group("resources/{\(ResourceAuthenticationMiddleware.resourceParameter)}")] {
            addRoutes(group.add(middleware: ApiVersionMiddleware(supported: apiVersions)).add(middleware: authentication))
        }
    }
}
