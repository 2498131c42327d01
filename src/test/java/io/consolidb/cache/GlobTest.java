package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Every construct against what Redis's SCAN MATCH answers for the same pattern and key (the
 * expectations were checked against Redis 7.0 with the pattern and keys under a key prefix, as
 * {@link RedisTier} sends them).
 */
class GlobTest {

  @Test
  void matches_literal_wholeKeyOnly() {
    assertMatches("restaurants:id:1", "restaurants:id:1");
    assertMatchesNone("restaurants:id:1", "restaurants:id:10", "restaurants:id:", "Restaurants:id:1");
  }

  @Test
  void matches_regexCharacters_areLiterals() {
    assertMatches("q.(x)+$|^{1}", "q.(x)+$|^{1}");
    assertMatchesNone("q.(x)+", "qa(x)+", "q.(x)(x)");
  }

  @Test
  void matches_star_anyRunOfCharacters() {
    assertMatches("restaurants:*", "restaurants:", "restaurants:id:1", "restaurants:*");
    assertMatchesNone("restaurants:*", "users:1", "restaurants");
    assertMatches("a*b", "ab", "axxb", "abab");
    assertMatchesNone("a*b", "axxbc", "ba");
    assertMatches("*:1", ":1", "restaurants:id:1");
    assertMatches("a**b*", "ab", "axbx");
  }

  @Test
  void matches_emptyKey_onlyByStars() {
    // as under RedisTier's key prefix, where the key's end is reached after the prefix
    assertMatches("*", "");
    assertMatches("**", "");
    assertMatchesNone("?", "");
    assertMatchesNone("a*", "");
  }

  @Test
  void matches_questionMark_exactlyOneCharacter() {
    assertMatches("r?:1", "ra:1", "r?:1", "r*:1");
    assertMatchesNone("r?:1", "r:1", "rab:1");
  }

  @Test
  void matches_class_oneOfItsCharacters() {
    assertMatches("id:[12]", "id:1", "id:2");
    assertMatchesNone("id:[12]", "id:3", "id:12", "id:", "id:[12]");
    assertMatches("[*?]x", "*x", "?x");
    assertMatchesNone("[*?]x", "ax", "x");
  }

  @Test
  void matches_negatedClass_anyCharacterOutsideIt() {
    assertMatches("id:[^12]", "id:3", "id:^");
    assertMatchesNone("id:[^12]", "id:1", "id:2", "id:", "id:33");
    assertMatches("[a^]", "^", "a");
  }

  @Test
  void matches_range_inclusiveAndEitherWayRound() {
    assertMatches("id:[a-c]", "id:a", "id:b", "id:c");
    assertMatchesNone("id:[a-c]", "id:d", "id:-", "id:A");
    assertMatches("id:[c-a]", "id:a", "id:b", "id:c");
    assertMatchesNone("id:[c-a]", "id:d", "id:-");
    assertMatches("[0-9a-f]", "0", "7", "e");
    assertMatchesNone("[0-9a-f]", "g", "-");
    assertMatches("[^0-9]", "x");
    assertMatchesNone("[^0-9]", "5");
  }

  @Test
  void matches_dashAtClassEdges_isLiteral() {
    assertMatches("[-a]", "-", "a");
    assertMatchesNone("[-a]", "b");
    assertMatches("[a\\-z]", "a", "-", "z");
    assertMatchesNone("[a\\-z]", "b");
  }

  @Test
  void matches_dashBeforeClosingBracket_rangesToTheBracket() {
    // Redis reads "a-]" as the range ']'..'a', and the class then runs to the pattern's end
    assertMatches("x[a-]", "x]", "x_", "xa");
    assertMatchesNone("x[a-]", "x-", "xb", "x[a-]");
  }

  @Test
  void matches_closingBracketFirst_closesAnEmptyClass() {
    assertMatchesNone("[]]", "]", "]]", "a]", "");
    assertMatchesNone("a[]", "a", "a[]", "ab");
    assertMatches("[^]]", "x]", "]]");
    assertMatchesNone("[^]]", "]", "x");
  }

  @Test
  void matches_escapedBracketInClass_isMember() {
    assertMatches("[\\]]", "]");
    assertMatchesNone("[\\]]", "\\", "\\]");
    assertMatches("[a\\]]x", "ax", "]x");
    assertMatches("[\\^a]", "^", "a");
    assertMatchesNone("[\\^a]", "b");
  }

  @Test
  void matches_escapes_takeTheNextCharacterLiterally() {
    assertMatches("a\\*b", "a*b");
    assertMatchesNone("a\\*b", "axb", "ab", "axxb");
    assertMatches("a\\?b", "a?b");
    assertMatchesNone("a\\?b", "axb");
    assertMatches("a\\[b]", "a[b]");
    assertMatchesNone("a\\[b]", "ab", "a[", "a[b");
    assertMatches("a\\\\b", "a\\b");
    assertMatches("\\a", "a");
  }

  @Test
  void matches_trailingBackslash_isLiteral() {
    assertMatches("a\\", "a\\");
    assertMatchesNone("a\\", "a", "a\\\\");
    assertMatches("[\\", "\\");
    assertMatchesNone("[\\", "a");
  }

  @Test
  void matches_unterminatedClass_takesTheRestOfThePattern() {
    assertMatches("a[bc", "ab", "ac");
    assertMatchesNone("a[bc", "abc", "a[bc", "a", "a[");
    assertMatches("a[^b", "ax", "a[");
    assertMatchesNone("a[^b", "ab", "axx");
    assertMatchesNone("a[", "a", "a[", "ab");
    assertMatches("a[^", "ax", "a[");
    assertMatches("x[b*", "x*", "xb");
    assertMatchesNone("x[b*", "xbz", "x");
  }

  @Test
  void matches_multiByteCharacter_isSeveralBytes() {
    // Redis matches the key's UTF-8 bytes: é is two
    assertMatches("caf??", "caf\u00e9");
    assertMatchesNone("caf?", "caf\u00e9");
    assertMatches("caf[\u00e9][\u00e9]", "caf\u00e9");
    assertMatchesNone("caf[\u00e9]", "caf\u00e9");
    assertMatches("caf\u00e9*", "caf\u00e9s");
    assertMatchesNone("caf\u00e9", "cafe");
  }

  @Test
  void matches_pathologicalPattern_linearNotExponential() {
    String key = "a".repeat(10_000);
    Glob noMatch = Glob.compile("*a*a*a*a*a*a*a*a*a*a*a*a*b");
    Glob match = Glob.compile("*a*a*a*a*a*a*a*a*a*a*a*a*a");
    Glob longTail = Glob.compile("*" + "a".repeat(200) + "b");
    assertTimeoutPreemptively(Duration.ofSeconds(1), () -> {
      assertThat(noMatch.matches(key)).isFalse();
      assertThat(match.matches(key)).isTrue();
      assertThat(longTail.matches(key)).isFalse();
    });
  }

  @Test
  void compile_keepsThePatternText() {
    assertThat(Glob.compile("restaurants:[a-z]*")).hasToString("restaurants:[a-z]*");
  }

  private static void assertMatches(String pattern, String... keys) {
    Glob glob = Glob.compile(pattern);
    for (String key : keys) {
      assertThat(glob.matches(key)).as("%s matches %s", pattern, key).isTrue();
    }
  }

  private static void assertMatchesNone(String pattern, String... keys) {
    Glob glob = Glob.compile(pattern);
    for (String key : keys) {
      assertThat(glob.matches(key)).as("%s does not match %s", pattern, key).isFalse();
    }
  }
}
