import Foundation
import PuntosLedger
import PuntosPostgres
import PuntosRuntime

/// What every batch of a run shares: the database connection (with its staging tables), the
/// programme's rules, the moment the run started ("now" for every rule that asks) and the file's name,
/// which every row written names with its line (`request_id` = `import:FILE:LINE`).
final class ImportSession {
    let database: Database
    let programme: String
    let settings: LedgerSettings
    let promotions: PromotionCalendar
    let now: Date
    let fileName: String
    let kindName: String

    init(database: Database, programme: String, fileName: String, kindName: String, now: Date = Date()) throws {
        self.database = database
        self.programme = programme
        self.fileName = fileName
        self.kindName = kindName
        self.now = now
        let connection = try database.connect()
        settings = try ProgrammeSettingsStore(connection: connection).load(programme)
        promotions = try PromotionStore(connection: connection, programmeId: programme).calendar()
        try StagingStore(connection: connection).create()
    }

    /// Where a row came from: `import:FILE:LINE`.
    func origin(_ line: Int) -> String { "import:\(fileName):\(line)" }
}
