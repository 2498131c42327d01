package io.consolidb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The HTTP API's tokens as settings: {@code HTTP_TOKENS} entries, the {@code API_TOKEN} and
 * {@code ADMIN_TOKEN} shorthands, and what production refuses. No message ever shows a token.
 */
class AccessTokensTest {

  private static final String STRONG = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

  private static AccessTokens tokens(Environment environment, JsonObject http) {
    return AccessTokens.fromJson(new ConfigSection("http", http), environment);
  }

  private static Set<Scope> scopesOf(AccessTokens tokens, String name) {
    return tokens.grants().stream().filter(g -> g.name().equals(name)).findFirst().orElseThrow().scopes();
  }

  @Test
  void fromJson_shorthandsGrantTheirScopes() {
    AccessTokens tokens = tokens(Environment.TESTING, new JsonObject().put("apiToken", "a").put("adminToken", "b"));
    assertThat(scopesOf(tokens, "API_TOKEN"))
        .containsExactlyInAnyOrder(Scope.RESTAURANTS_WRITE, Scope.USERS_WRITE, Scope.ANALYTICS_WRITE);
    assertThat(scopesOf(tokens, "ADMIN_TOKEN")).containsExactlyInAnyOrder(Scope.ADMIN, Scope.METRICS);
    assertThat(tokens.anyGrants(Scope.USERS_READ)).isFalse();
  }

  @Test
  void fromJson_entriesWithScopes() {
    AccessTokens tokens = tokens(Environment.TESTING, new JsonObject().put("tokens",
        " billing:users.read,USERS.WRITE:tok:with:colons ;\nscraper:metrics:s2\n;"));
    assertThat(tokens.grants()).hasSize(2);
    assertThat(scopesOf(tokens, "billing")).containsExactlyInAnyOrder(Scope.USERS_READ, Scope.USERS_WRITE);
    assertThat(tokens.grants().get(0).token()).isEqualTo("tok:with:colons");
    assertThat(scopesOf(tokens, "scraper")).isEqualTo(EnumSet.of(Scope.METRICS));
    assertThat(tokens.toString()).contains("billing", "scraper").doesNotContain("tok:with:colons", "s2");
  }

  @Test
  void fromJson_emptyMeansNoTokens() {
    assertThat(tokens(Environment.PRODUCTION, new JsonObject()).grants()).isEmpty();
    assertThat(tokens(Environment.PRODUCTION, new JsonObject().put("tokens", " ; \n")).grants()).isEmpty();
  }

  @Test
  void fromJson_malformedEntriesNameTheVariableNeverTheToken() {
    for (String bad : List.of("billing:users.read", "billing:users.read:", "bad name:admin:hush-1",
        "billing:users.delete:hush-1", "billing::hush-1", "a:admin:hush-1;a:metrics:hush-2",
        "API_TOKEN:admin:hush-1")) {
      assertThatThrownBy(() -> tokens(Environment.TESTING, new JsonObject().put("tokens", bad)))
          .as(bad).isInstanceOf(InvalidConfigException.class)
          .hasMessageContaining("http.tokens (HTTP_TOKENS)")
          .message().doesNotContain("hush");
    }
    assertThatThrownBy(() -> tokens(Environment.TESTING, new JsonObject().put("tokens", "b:users.delete:x")))
        .hasMessageContaining("unknown scope 'users.delete'").hasMessageContaining("users.read, users.write");
  }

  @Test
  void production_refusesShortTokensNamingTheVariable() {
    String shortToken = "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P"; // 31 characters
    assertThatThrownBy(() -> tokens(Environment.PRODUCTION, new JsonObject().put("apiToken", shortToken)))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("http.apiToken (API_TOKEN)").hasMessageContaining("shorter than 32")
        .message().doesNotContain(shortToken);
    assertThat(tokens(Environment.PRODUCTION, new JsonObject().put("apiToken", shortToken + "Q")).grants()).hasSize(1);
    assertThat(tokens(Environment.STAGING, new JsonObject().put("apiToken", "short")).grants()).hasSize(1);
  }

  @Test
  void production_refusesPlaceholdersWhateverTheirCase() {
    for (String placeholder : List.of("CHANGE_ME", "changeme", "Secret", "password", "token", "test")) {
      String padded = placeholder + "-" + "7Kq2Zx9Wv4Ls8Np3Rt6Yb1Mc5Hd0Jf".substring(0, 31 - placeholder.length())
          + "Gz";
      assertThat(padded.length()).isGreaterThanOrEqualTo(32);
      assertThatThrownBy(() -> tokens(Environment.PRODUCTION, new JsonObject().put("adminToken", padded)))
          .as(placeholder).isInstanceOf(InvalidConfigException.class)
          .hasMessageContaining("http.adminToken (ADMIN_TOKEN)").hasMessageContaining("placeholder")
          .message().doesNotContain(padded);
      assertThatThrownBy(() -> tokens(Environment.PRODUCTION, new JsonObject().put("apiToken", placeholder)))
          .as(placeholder).isInstanceOf(InvalidConfigException.class)
          .hasMessageContaining("http.apiToken (API_TOKEN) = '****'");
    }
    assertThatThrownBy(() -> tokens(Environment.PRODUCTION, new JsonObject().put("apiToken", "a".repeat(40))))
        .hasMessageContaining("distinct characters");
  }

  @Test
  void production_checksEveryEntryAndNamesIt() {
    assertThatThrownBy(() -> tokens(Environment.PRODUCTION, new JsonObject().put("tokens",
        "billing:users.read:" + STRONG + ";scraper:metrics:CHANGE_ME")))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("http.tokens (HTTP_TOKENS)").hasMessageContaining("entry 'scraper'")
        .message().doesNotContain("CHANGE_ME").doesNotContain(STRONG);
    assertThat(tokens(Environment.PRODUCTION, new JsonObject().put("apiToken", STRONG)
        .put("tokens", "billing:users.read:" + STRONG.toUpperCase())).grants()).hasSize(2);
  }

  @Test
  void nodeSettings_productionRefusesAWeakApiToken() {
    assertThatThrownBy(() -> TestSettings.load("CONSOLIDB_ENV", "production", "API_TOKEN", "CHANGE_ME",
        "REDIS_ALLOW_PLAINTEXT", "true"))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("API_TOKEN")
        .message().doesNotContain("CHANGE_ME");
    assertThat(TestSettings.load("API_TOKEN", "CHANGE_ME").http().tokens().anyGrants(Scope.USERS_WRITE)).isTrue();
  }

  @Test
  void authLimits_defaultsAndVariables() {
    AuthLimits defaults = TestSettings.load().http().authLimits();
    assertThat(defaults).isEqualTo(new AuthLimits(10, 60, 300, 10_000));
    assertThat(TestSettings.load("HTTP_AUTH_MAX_FAILURES", "3", "HTTP_AUTH_WINDOW_SECONDS", "5",
        "HTTP_AUTH_BLOCK_SECONDS", "7", "HTTP_AUTH_MAX_ADDRESSES", "9").http().authLimits())
        .isEqualTo(new AuthLimits(3, 5, 7, 9));
    assertThat(TestSettings.load("HTTP_AUTH_MAX_FAILURES", "0").http().authLimits().enabled()).isFalse();
    assertThatThrownBy(() -> TestSettings.load("HTTP_AUTH_BLOCK_SECONDS", "0"))
        .hasMessageContaining("http.auth.blockSeconds (HTTP_AUTH_BLOCK_SECONDS)");
    assertThatThrownBy(() -> TestSettings.load("HTTP_AUTH_MAX_ADDRESSES", "0"))
        .hasMessageContaining("http.auth.maxAddresses (HTTP_AUTH_MAX_ADDRESSES)");
  }

  @Test
  void maskedConfiguration_hidesTokenEntries() {
    NodeSettings settings = TestSettings.load("HTTP_TOKENS", "billing:users.read:entry-secret-42");
    assertThat(settings.masked().encode() + settings + settings.http()).doesNotContain("entry-secret-42");
  }
}
