/// The product version, shown by `orchestrator version`, the status route and the OpenAPI document.
public enum ProductVersion {
    /// Semantic version of this build.
    public static let current = "0.1.0"
}
