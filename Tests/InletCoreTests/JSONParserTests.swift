import Testing
@testable import InletCore

@Suite struct JSONParserTests {
    @Test func parsesSample() throws {
        let doc = try JSONDocument(parsing: Array(#"{"Id":"1","Name":"John","Age":"10","Sex":"Male"}"#.utf8))
        #expect(doc.kind(0) == .object)
        #expect(doc.nodes[0].count == 4)
    }
}
