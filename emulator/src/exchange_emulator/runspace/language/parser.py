"""A parser for the PowerShell an administrator types, over the whole text at once.

Statements (pipelines, `$x = …`, `if`/`elseif`/`else`, `exit`) are parsed here, with commands and their
arguments in argument mode; expressions (operators, member access, literals) in `expressions`. Any
syntax the emulator does not run is refused here, before anything runs, with the construct named.
"""

from __future__ import annotations

import re
import typing

from .expressions import ExpressionParser
from .syntax import (
    ArgumentElement,
    ArrayLiteral,
    AssignmentAst,
    CommaList,
    CommandAst,
    Element,
    ExitAst,
    ExpandableString,
    Extent,
    HashLiteral,
    IfAst,
    Literal,
    Node,
    ParameterElement,
    PipelineAst,
    ScriptSyntaxError,
    Statement,
    unsupported,
)
from .tokens import (
    BLANKS,
    DASHES,
    ELEMENT_END,
    EMULATED_SUMMARY,
    KEYWORDS,
    NEWLINES,
    NOT_EMULATED_COMMANDS,
    PARAMETER_NAME,
    QUOTES,
    VARIABLE_NAME,
    WORD_END,
)
from .walk import nested_statements

ASSIGNMENT = re.compile(r"[ \t]*(=|\+=|-=)(?!=)")
STATEMENT_KEYWORDS = ("if", "exit")


class ScriptParser(ExpressionParser):
    """Statements and commands; the characters, strings and expressions come from ExpressionParser."""

    # ------------------------------------------------------------------ statements
    def parse(self) -> list[Statement]:
        statements = self.parse_statements("")
        return statements

    def parse_statements(self, closing: str) -> list[Statement]:
        """Statements up to `closing` (consumed) or, when it is empty, the end of the text."""
        statements: list[Statement] = []
        start = self.pos
        while True:
            self.skip_separators()
            if closing and self.peek() == closing:
                self.pos += 1
                return statements
            if self.at_end():
                if closing:
                    raise self.missing_closing(closing, start)
                return statements
            statements.append(self.parse_statement())
            self.expect_statement_end(closing)

    def missing_closing(self, closing: str, start: int) -> ScriptSyntaxError:
        if closing == "}":
            return self.syntax_error("Missing closing '}' in statement block or type definition.",
                                     "MissingEndCurlyBrace", start - 1, start)
        return self.syntax_error("Missing closing ')' in subexpression.", "MissingEndParenthesisInSubexpression",
                                 start - 2, start)

    def expect_statement_end(self, closing: str = "") -> None:
        self.skip_blanks(newlines=False)
        char = self.peek()
        if char in ("", ";") or char in NEWLINES or (closing and char == closing):
            return
        self.refuse_bad_separator()
        if char in "<>" or (char.isdigit() and self.peek(1) == ">"):
            raise unsupported("Redirection (>, >>, 2>&1, <)", self.pos)
        raise self.syntax_error(f"Unexpected token '{self.token_text()}' in expression or statement.",
                                "UnexpectedToken", end=self.pos + len(self.token_text()))

    def refuse_bad_separator(self) -> None:
        pair = self.text[self.pos:self.pos + 2]
        if pair in ("&&", "||"):
            raise self.syntax_error(f"The token '{pair}' is not a valid statement separator in this version.",
                                    "InvalidEndOfLine", end=self.pos + 2)

    def parse_statement(self) -> Statement:
        keyword = self.statement_keyword()
        if keyword == "if":
            return self.parse_if()
        if keyword == "exit":
            return self.parse_exit()
        assignment = self.parse_assignment()
        if assignment is not None:
            return assignment
        return self.parse_pipeline()

    def statement_keyword(self) -> str:
        match = re.match(r"[A-Za-z]+", self.text[self.pos:])
        if match is None:
            return ""
        after = self.peek(len(match.group()))
        word = match.group().lower()
        if word in STATEMENT_KEYWORDS and (not after or after in BLANKS + NEWLINES + "(;{}"):
            return word
        return ""

    def parse_assignment(self) -> AssignmentAst | None:
        """`$name = …` (also `+=`, `-=`); assigning to members, indexes or automatic variables is refused."""
        if self.peek() != "$":
            return None
        match = VARIABLE_NAME.match(self.text, self.pos + 1)
        if match is None:
            return None
        after = ASSIGNMENT.match(self.text, match.end())
        if after is None:
            return None
        start = self.pos
        name = match.group()
        self.check_assignable(name, start, match.end())
        self.pos = after.end()
        self.skip_blanks(newlines=True)
        if self.at_end() or self.peek() in ";)}":
            raise self.syntax_error(f"You must provide a value expression following the '{after.group(1)}' operator.",
                                    "ExpectedValueExpression")
        if self.statement_keyword():
            raise unsupported(f"Assigning the result of the '{self.statement_keyword()}' statement", self.pos)
        value = self.parse_pipeline()
        return AssignmentAst(name, after.group(1), value, Extent(start, self.pos))

    def check_assignable(self, name: str, start: int, end: int) -> None:
        scope, _, rest = name.partition(":")
        if rest and scope.lower() not in ("global", "script", "local"):
            raise unsupported(f"Assigning to ${name} (environment and provider variables are read-only here)",
                              start, end)
        self.variable_node(rest or name, Extent(start, end))  # automatic variables the emulator lacks
        if (rest or name).lower() in ("true", "false", "null", "_", "psitem", "matches", "?"):
            raise self.syntax_error(f"Cannot overwrite variable {rest or name} because it is read-only or constant.",
                                    "VariableNotWritable", start, end)

    def parse_if(self) -> IfAst:
        start = self.pos
        clauses: list[tuple[PipelineAst, list[Statement]]] = []
        otherwise: list[Statement] | None = None
        keyword = "if"
        while True:
            self.pos += len(keyword)
            self.skip_blanks(newlines=True)
            if self.peek() != "(":
                raise self.syntax_error(f"Missing '(' after '{keyword}' in if statement.",
                                        "MissingOpenParenthesisInIfStatement")
            self.pos += 1
            self.skip_blanks(newlines=True)
            condition = self.parse_pipeline()
            self.skip_blanks(newlines=True)
            if self.peek() != ")":
                raise self.syntax_error("Missing closing ')' after expression in 'if' statement.",
                                        "MissingEndParenthesisAfterStatement")
            self.pos += 1
            clauses.append((condition, self.parse_block(f"'{keyword}' statement")))
            save = self.pos
            self.skip_blanks(newlines=True)
            keyword = self.statement_word()
            if keyword == "elseif":
                continue
            if keyword == "else":
                self.pos += 4
                otherwise = self.parse_block("'else' statement")
            else:
                self.pos = save
            return IfAst(clauses, otherwise, Extent(start, self.pos))

    def statement_word(self) -> str:
        match = re.match(r"(elseif|else)(?![A-Za-z0-9_-])", self.text[self.pos:], re.IGNORECASE)
        return match.group().lower() if match else ""

    def parse_block(self, what: str) -> list[Statement]:
        self.skip_blanks(newlines=True)
        if self.peek() != "{":
            raise self.syntax_error(f"Missing statement block after {what}.", "MissingStatementBlock")
        self.pos += 1
        return self.parse_statements("}")

    def parse_exit(self) -> ExitAst:
        start = self.pos
        self.pos += 4
        self.skip_blanks(newlines=False)
        if self.at_end() or self.peek() in ";}" or self.peek() in NEWLINES:
            return ExitAst(None, Extent(start, self.pos))
        return ExitAst(self.parse_pipeline(), Extent(start, self.pos))

    def parse_pipeline(self) -> PipelineAst:
        start = self.pos
        if self.peek() == "|":
            raise self.syntax_error("An empty pipe element is not allowed.", "EmptyPipeElement")
        if self.starts_expression():
            leading = self.parse_expression()
            return PipelineAst(leading, self.parse_pipeline_tail(), Extent(start, self.pos))
        first = self.parse_command()
        return PipelineAst(None, [first, *self.parse_pipeline_tail()], Extent(start, self.pos))

    def parse_pipeline_tail(self) -> list[CommandAst]:
        commands: list[CommandAst] = []
        while True:
            save = self.pos
            self.skip_blanks(newlines=False)
            if self.peek() != "|":
                self.pos = save
                return commands
            bar = self.pos
            self.refuse_bad_separator()
            self.pos += 1
            self.skip_blanks(newlines=True)
            if self.peek() in ("", ";", "|", ")", "}"):
                raise self.syntax_error("An empty pipe element is not allowed.", "EmptyPipeElement", bar)
            if self.starts_expression():
                raise self.syntax_error("Expressions are only allowed as the first element of a pipeline.",
                                        "ExpressionsMustBeFirstInPipeline", end=self.pos + len(self.token_text()))
            commands.append(self.parse_command(in_pipeline=True))

    # ------------------------------------------------------------------ commands
    def parse_command(self, in_pipeline: bool = False) -> CommandAst:
        start = self.pos
        call_operator = self.peek() == "&"
        if call_operator:
            self.refuse_bad_separator()
            self.pos += 1
            self.skip_blanks(newlines=False)
            name = self.parse_call_target()
        elif self.peek() == "." and self.peek(1) and self.peek(1) in BLANKS:
            raise unsupported("Dot-sourcing ('. <script>'; run scripts with the call operator '&')", start)
        else:
            name = Literal(self.read_command_word(in_pipeline))
        end = self.pos
        elements: list[Element] = []
        while True:
            self.skip_blanks(newlines=False)
            if self.at_command_end():
                return CommandAst(name, elements, Extent(start, end), call_operator)
            element = self.parse_element()
            elements.append(element)
            end = element.extent.end

    def at_command_end(self) -> bool:
        char = self.peek()
        if char == "&":
            self.refuse_bad_separator()
            raise self.syntax_error(
                "The ampersand (&) character is not allowed. The & operator is reserved for future use; wrap an "
                'ampersand in double quotation marks ("&") to pass it as part of a string.', "AmpersandNotAllowed")
        return char in ("", ";", "|", ")", "}") or char in NEWLINES

    def parse_call_target(self) -> Node:
        start = self.pos
        if self.at_command_end():
            raise self.syntax_error("Missing expression after '&' in pipeline element.", "MissingExpression")
        target = self.parse_argument_value()
        if isinstance(target, (ArrayLiteral, HashLiteral, CommaList)):
            raise unsupported("Calling an array or hashtable with '&'", start, self.pos)
        self.check_argument_end()
        return target

    def read_command_word(self, in_pipeline: bool = False) -> str:
        start = self.pos
        char = self.peek()
        if char in "<>":
            raise unsupported("Redirection (>, >>, 2>&1, <)", start)
        if char in ")}":
            raise self.syntax_error(f"Unexpected token '{char}' in expression or statement.", "UnexpectedToken")
        parts, raw = self.read_word_parts()
        if not all(isinstance(p, str) for p in parts):
            raise unsupported("A command name built from variables", start, self.pos)
        word = "".join(typing.cast(list[str], parts))
        if not raw:
            raise self.syntax_error(f"Unexpected token '{self.token_text()}' in expression or statement.",
                                    "UnexpectedToken")
        if word.lower() in KEYWORDS and not (in_pipeline and word.lower() == "foreach"):
            raise unsupported(f"The '{word}' keyword (the emulator runs if/elseif/else and exit; not foreach, while, "
                              "switch, function, try and the other language statements)", start, self.pos)
        return word

    def parse_element(self) -> Element:
        start = self.pos
        char, after = self.peek(), self.peek(1)
        if char in DASHES and (after.isalpha() or (after and after in "_?")):
            return self.parse_parameter()
        if char in DASHES and after and after in DASHES:
            raise unsupported("'--' and the stop-parsing token '--%'", start, start + 2)
        value = self.parse_argument_list()
        return ArgumentElement(value, Extent(start, self.pos))

    def parse_parameter(self) -> ParameterElement:
        start = self.pos
        self.pos += 1
        match = typing.cast(re.Match[str], PARAMETER_NAME.match(self.text, self.pos))
        self.pos = match.end()
        if self.peek() == ":":
            self.pos += 1
            self.skip_blanks(newlines=False)
            if self.at_command_end() or self.peek() == ",":
                raise self.syntax_error(f"The parameter -{match.group()}: has no argument after its colon.",
                                        "MissingArgument", start, self.pos)
            argument = self.parse_argument_list()
            return ParameterElement(match.group(), argument, Extent(start, self.pos))
        if self.peek() and self.peek() not in ELEMENT_END:
            raise unsupported(f"'{self.text[start:self.pos + 1]}' (a parameter name joined to other text; write "
                              "-Name value or -Name:value)", start, self.pos + 1)
        return ParameterElement(match.group(), None, Extent(start, self.pos))

    # ------------------------------------------------------------------ arguments (argument mode)
    def parse_argument_list(self) -> Node:
        """An argument: one value, or values separated by commas (`a,b,'c'`)."""
        items = [self.parse_argument_value()]
        self.check_argument_end()
        while True:
            save = self.pos
            self.skip_blanks(newlines=False)
            if self.peek() != ",":
                self.pos = save
                return items[0] if len(items) == 1 else CommaList(items)
            self.pos += 1
            self.skip_blanks(newlines=True)
            if self.at_command_end() or self.peek() == ",":
                raise self.syntax_error("Missing argument in parameter list.", "MissingArgument")
            items.append(self.parse_argument_value())
            self.check_argument_end()

    def check_argument_end(self) -> None:
        char = self.peek()
        if not char or char in ELEMENT_END or char == "," or (char == "`" and self.peek(1) in NEWLINES):
            return
        if char in "<>":
            raise unsupported("Redirection (>, >>, 2>&1, <)", self.pos)
        if char == "&":
            self.at_command_end()
        raise unsupported(f"'{self.token_text()}' (a value joined to more text without a space; quote the whole "
                          "value)", self.pos, self.pos + len(self.token_text()))

    def parse_argument_value(self) -> Node:
        start = self.pos
        char = self.peek()
        if not char:
            raise self.syntax_error("Missing argument in parameter list.", "MissingArgument")
        if char in QUOTES or char in "({":
            return self.parse_postfix(self.parse_primary())
        if char == "$":
            return self.parse_variable_argument()
        if char == "@":
            return self.parse_grouping()
        if char == "[":
            raise unsupported("Type literals and casts ([type])", start)
        if char in "<>":
            raise unsupported("Redirection (>, >>, 2>&1, <)", start)
        return self.parse_bare_word()

    def parse_variable_argument(self) -> Node:
        """A variable as an argument, with member access (`$d.Name`); text right after it
        (`$env:X\\Scripts\\a.ps1`) joins it into one string."""
        if self.peek(1) == "(":
            return self.parse_postfix(self.parse_primary())
        variable = self.read_embedded_variable()
        node: Node = Literal(variable) if isinstance(variable, str) else variable
        if self.peek() in (".", "[") and not isinstance(variable, str):
            after = self.peek(1)
            if self.peek() == "[" or after.isalpha() or after in "_'\"$":
                return self.parse_postfix(node)
        char = self.peek()
        if not char or char in WORD_END or (char == "`" and self.peek(1) in NEWLINES):
            return node
        rest, _ = self.read_word_parts()
        return ExpandableString([node, *rest])


def parse_script(text: str) -> list[Statement]:
    """The whole script, checked before anything runs: syntax, then commands the emulator does not have."""
    statements = ScriptParser(text).parse()
    for command in commands_of(statements):
        refuse_not_emulated(command)
    return statements


def commands_of(statements: list[Statement]) -> typing.Iterator[CommandAst]:
    """Every command of the script, nested ones (in `( … )`, script blocks, if) included."""
    for statement in nested_statements(statements):
        if isinstance(statement, PipelineAst):
            yield from statement.commands


def refuse_not_emulated(command: CommandAst) -> None:
    if command.call_operator or not isinstance(command.name, Literal):
        return
    name = str(command.name.value)
    if name.lower() in NOT_EMULATED_COMMANDS:
        raise ScriptSyntaxError(
            f"'{name}' is a PowerShell command the Exchange emulator does not emulate (it runs {EMULATED_SUMMARY}). "
            "Nothing was run.",
            Extent(command.extent.start, command.extent.start + len(name)), "EmulatorCommandNotSupported")
