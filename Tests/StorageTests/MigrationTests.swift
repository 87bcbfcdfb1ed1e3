import Storage
import Testing

@Suite("Migrations")
struct MigrationTests {
    @Test("versions are 1, 2, 3… without gaps")
    func versionsAreContiguous() {
        #expect(Schema.migrations.map(\.version) == Array(1...Schema.migrations.count))
    }

    @Test("dialect tokens are replaced for each database", arguments: [SQLDialect.sqlite, .postgresql])
    func dialectTokens(dialect: SQLDialect) {
        for migration in Schema.migrations {
            for statement in migration.statements(for: dialect) {
                #expect(!statement.contains("{"))
            }
        }
    }

    @Test("a changed migration has a different checksum")
    func checksumDetectsEdits() {
        let original = Migration(version: 1, name: "x", statements: ["CREATE TABLE a (b TEXT)"])
        let edited = Migration(version: 1, name: "x", statements: ["CREATE TABLE a (b BIGINT)"])
        #expect(original.checksum != edited.checksum)
        #expect(original.checksum == Migration(version: 1, name: "y", statements: ["CREATE TABLE a (b TEXT)"]).checksum)
    }

    @Test("PostgreSQL URLs are parsed and printed without the password", arguments: [
        ("postgres://u:secret@db.example:6543/orders?sslmode=require", "postgres://u:***@db.example:6543/orders?sslmode=require"),
        ("postgresql://u@localhost/app", "postgres://u@localhost:5432/app?sslmode=prefer"),
    ])
    func parsesURL(url: String, printed: String) throws {
        let settings = try PostgresConnectionSettings(url: url)
        #expect(settings.description == printed)
        #expect(!settings.description.contains("secret"))
    }

    @Test("bad PostgreSQL URLs are rejected with a reason", arguments: [
        "mysql://u@h/db", "postgres://h/db", "postgres://u@h", "postgres://u@h/db?sslmode=sometimes",
    ])
    func rejectsURL(url: String) {
        #expect(throws: PostgresURLError.self) { try PostgresConnectionSettings(url: url) }
    }
}
