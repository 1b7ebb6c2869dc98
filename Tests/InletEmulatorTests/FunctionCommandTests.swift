import InletEmulator
import Testing

/// `--function-command` is split like a shell's simple command, without a shell.
@Suite struct FunctionCommandTests {
    func split(_ text: String) throws(FunctionCommandError) -> [String] { try FunctionCommand.split(text) }

    @Test func blanksSeparateWordsAndQuotesKeepThemTogether() throws {
        #expect(try split("./.build/release/bootstrap") == ["./.build/release/bootstrap"])
        #expect(try split("  python -m\tawslambaric   app.handler \n") == ["python", "-m", "awslambaric", "app.handler"])
        #expect(try split(#"node "my app/index.js" 'it''s' a\ b"#) == ["node", "my app/index.js", "its", "a b"])
        #expect(try split(#"x "" ''"#) == ["x", "", ""])
        #expect(try split(#"echo 'a "b" \c'"#) == ["echo", #"a "b" \c"#])
        #expect(try split(#"echo "a \"b\" \\ \$x \c""#) == ["echo", #"a "b" \ $x \c"#])
        #expect(try split(#"sh -c 'cd /srv && exec ./bootstrap'"#) == ["sh", "-c", "cd /srv && exec ./bootstrap"])
        #expect(try split(#"say "$LATEST" '|'"#) == ["say", "$LATEST", "|"])
    }

    @Test func refusesWhatOnlyAShellWouldUnderstand() {
        for text in ["cd x && ./bootstrap", "a | b", "a; b", "a > log", "echo $HOME", "echo `date`", "(a)"] {
            #expect(throws: FunctionCommandError.self, "\(text)") { try split(text) }
            #expect((try? split(text)) == nil)
        }
        do {
            _ = try split("a > b")
        } catch {
            #expect(error.code == .shellSyntax)
            #expect(error.message.contains("sh -c"))
        }
    }

    @Test func refusesEmptyAndUnterminatedCommands() {
        for (text, code) in [("", FunctionCommandError.Code.empty), ("   ", .empty), ("a 'b", .unterminated),
            (#"a "b"#, .unterminated), (#"a \"#, .unterminated)]
        {
            do {
                _ = try split(text)
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.code == code, "\(text)")
            }
        }
    }
}
