package io.consolidb.query;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

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
}
