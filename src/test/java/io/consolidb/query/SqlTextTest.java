package io.consolidb.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SqlTextTest {

  @Test
  void rewriteNamed_numbersPlaceholdersInOrderAndReusesARepeatedName() {
    SqlText.Named named = SqlText.rewriteNamed("SELECT * FROM r WHERE city = :city AND (:min IS NULL OR stars >= :min)"
        + " AND owner <> :city");

    assertThat(named.sql()).isEqualTo("SELECT * FROM r WHERE city = $1 AND ($2 IS NULL OR stars >= $2) AND owner <> $1");
    assertThat(named.names()).containsExactly("city", "min");
    assertThat(named.nameSet()).containsExactlyInAnyOrder("city", "min");
  }

  @Test
  void rewriteNamed_skipsCastsStringsIdentifiersDollarQuotesAndComments() {
    String sql = "SELECT :a::int, ':b', E'\\':c', \":d\", $$ :e $$, $fn$ :f $fn$, x -- :g\n"
        + " /* :h /* nested :i */ :j */ FROM t WHERE y = :k";

    SqlText.Named named = SqlText.rewriteNamed(sql);

    assertThat(named.names()).containsExactly("a", "k");
    assertThat(named.sql()).isEqualTo("SELECT $1::int, ':b', E'\\':c', \":d\", $$ :e $$, $fn$ :f $fn$, x -- :g\n"
        + " /* :h /* nested :i */ :j */ FROM t WHERE y = $2");
  }

  @Test
  void rewriteNamed_leavesArraySlicesAndPositionalParametersAlone() {
    SqlText.Named named = SqlText.rewriteNamed("SELECT arr[1:2], arr[lo:hi], $1 FROM t WHERE a = :a");

    assertThat(named.sql()).isEqualTo("SELECT arr[1:2], arr[lo:hi], $1 FROM t WHERE a = $1");
    assertThat(named.names()).containsExactly("a");
  }

  @Test
  void rewriteNamed_withoutPlaceholdersKeepsTheText() {
    String sql = "SELECT now()::date";

    assertThat(SqlText.rewriteNamed(sql).sql()).isSameAs(sql);
    assertThat(SqlText.rewriteNamed(sql).names()).isEmpty();
  }

  @Test
  void normalize_collapsesWhitespaceAndReplacesLiterals() {
    assertThat(SqlText.normalize("  SELECT *\n\tFROM r\n WHERE city = 'Paris' AND stars > 4.5 AND id = $1"
        + " AND n = :n AND body = $$x$$ AND t2 = 1e-3  "))
        .isEqualTo("SELECT * FROM r WHERE city = ? AND stars > ? AND id = $1 AND n = :n AND body = ? AND t2 = ?");
  }

  @Test
  void normalize_dropsCommentsAndKeepsIdentifiersAndCasts() {
    assertThat(SqlText.normalize("SELECT \"Col 1\", x::text, t1.c2 -- secret 'x'\nFROM t1 /* note 42 */ WHERE E'it\\'s' = c"))
        .isEqualTo("SELECT \"Col 1\", x::text, t1.c2 FROM t1 WHERE ? = c");
  }
  /** The lexer's edges: text that ends inside or right after each kind of token, and the look-alikes. */
  static Stream<Arguments> edges() {
    return Stream.of(
        // input, normalized, rewritten, names
        Arguments.of("SELECT 'abc", "SELECT ?", "SELECT 'abc", List.of()),
        Arguments.of("SELECT \"abc", "SELECT \"abc", "SELECT \"abc", List.of()),
        Arguments.of("SELECT E'ab\\", "SELECT ?", "SELECT E'ab\\", List.of()),
        Arguments.of("x = 'a'", "x = ?", "x = 'a'", List.of()),
        Arguments.of("'it''s :x' = :y", "? = :y", "'it''s :x' = $1", List.of("y")),
        Arguments.of("\"a\"\"b :x\" = :y", "\"a\"\"b :x\" = :y", "\"a\"\"b :x\" = $1", List.of("y")),
        Arguments.of("a /* x", "a", "a /* x", List.of()),
        Arguments.of("/* :x */ a = :a", "a = :a", "/* :x */ a = $1", List.of("a")),
        Arguments.of("a/**/b", "a b", "a/**/b", List.of()),
        Arguments.of("a -- :c", "a", "a -- :c", List.of()),
        Arguments.of("   ", "", "   ", List.of()),
        Arguments.of("-- only a comment", "", "-- only a comment", List.of()),
        Arguments.of("SELECT $", "SELECT $", "SELECT $", List.of()),
        Arguments.of("SELECT $a", "SELECT $a", "SELECT $a", List.of()),
        Arguments.of("SELECT $a-", "SELECT $a-", "SELECT $a-", List.of()),
        Arguments.of("SELECT $-1", "SELECT $-?", "SELECT $-1", List.of()),
        Arguments.of("$$x :a$$ = :b", "? = :b", "$$x :a$$ = $1", List.of("b")),
        Arguments.of("SELECT $q$x$q$", "SELECT ?", "SELECT $q$x$q$", List.of()),
        Arguments.of("$ab_1$ :x $ab_1$ :y", "? :y", "$ab_1$ :x $ab_1$ $1", List.of("y")),
        Arguments.of("$a$ unterminated :x", "?", "$a$ unterminated :x", List.of()),
        Arguments.of("SELECT a$$b$$", "SELECT a$$b$$", "SELECT a$$b$$", List.of()),
        Arguments.of("($$x$$)", "(?)", "($$x$$)", List.of()),
        Arguments.of("$12 + $3x", "$12 + $3x", "$12 + $3x", List.of()),
        Arguments.of("x = 42", "x = ?", "x = 42", List.of()),
        Arguments.of("1.5e+10 .5 5. 1_000", "? ? ? ?", "1.5e+10 .5 5. 1_000", List.of()),
        Arguments.of("1e", "?e", "1e", List.of()),
        Arguments.of("2E-", "?E-", "2E-", List.of()),
        Arguments.of("1e+", "?e+", "1e+", List.of()),
        Arguments.of("3e5x 4e5", "?x ?", "3e5x 4e5", List.of()),
        Arguments.of(":a", ":a", "$1", List.of("a")),
        Arguments.of("f(x):a, arr[1]:b, t1:c, 2:d", "f(x):a, arr[?]:b, t1:c, ?:d", "f(x):a, arr[1]:b, t1:c, 2:d", List.of()),
        Arguments.of("(:a_1b) :1 x :", "(:a_1b) :? x :", "($1) :1 x :", List.of("a_1b")),
        Arguments.of("x::", "x::", "x::", List.of()));
  }

  @ParameterizedTest(name = "[{index}] «{0}»")
  @MethodSource("edges")
  void edges_normalizeAndRewrite(String sql, String normalized, String rewritten, List<String> names) {
    assertThat(SqlText.normalize(sql)).as("normalize").isEqualTo(normalized);
    SqlText.Named named = SqlText.rewriteNamed(sql);
    assertThat(named.sql()).as("rewriteNamed").isEqualTo(rewritten);
    assertThat(named.names()).as("names").containsExactlyElementsOf(names);
  }
}
