package io.consolidb.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class SecretMaskerTest {

  @Test
  void maskUri_hidesPasswordInUserInfoAndQuery() {
    assertThat(SecretMasker.maskUri("postgresql://u:p%40ss@h:5432/d?sslmode=require&password=x"))
        .isEqualTo("postgresql://u:****@h:5432/d?sslmode=require&password=****");
    assertThat(SecretMasker.maskUri("redis://:secret@h:6379/0")).isEqualTo("redis://:****@h:6379/0");
  }

  @Test
  void maskUri_leavesUriWithoutPasswordAlone() {
    assertThat(SecretMasker.maskUri("postgresql://u@h/d")).isEqualTo("postgresql://u@h/d");
    assertThat(SecretMasker.maskUri("redis://h:6379")).isEqualTo("redis://h:6379");
  }

  @Test
  void mask_masksNestedSecretKeysAndUrls() {
    JsonObject config = new JsonObject()
        .put("http", new JsonObject().put("apiToken", "t").put("adminToken", ""))
        .put("database", new JsonObject().put("url", "postgresql://a:b@c/d").put("password", "pw"));
    JsonObject masked = SecretMasker.mask(config);
    assertThat(masked.getJsonObject("http").getString("apiToken")).isEqualTo("****");
    assertThat(masked.getJsonObject("http").getString("adminToken")).isEmpty();
    assertThat(masked.getJsonObject("database").getString("url")).isEqualTo("postgresql://a:****@c/d");
    assertThat(masked.getJsonObject("database").getString("password")).isEqualTo("****");
    assertThat(config.getJsonObject("database").getString("password")).isEqualTo("pw");
  }

  @Test
  void maskText_hidesPasswordsAndTokensInFreeText() {
    assertThat(SecretMasker.maskText("FATAL: auth failed (password=hunter2) for postgresql://u:pw@h/d, token: abc"))
        .isEqualTo("FATAL: auth failed (password=****) for postgresql://u:****@h/d, token: ****");
    assertThat(SecretMasker.maskText(null)).isNull();
    assertThat(SecretMasker.maskText("syntax error at or near \"SELECT\"")).isEqualTo("syntax error at or near \"SELECT\"");
  }

  @Test
  void origin_keepsOnlySchemeHostAndPort() {
    assertThat(SecretMasker.origin("https://hooks.slack.com/services/T00/B00/XXXXsecret"))
        .isEqualTo("https://hooks.slack.com/****");
    assertThat(SecretMasker.origin("http://alerts.internal:9000/hook?token=abc")).isEqualTo("http://alerts.internal:9000/****");
    assertThat(SecretMasker.origin("https://alerts.example.com")).isEqualTo("https://alerts.example.com");
    assertThat(SecretMasker.origin("not a url")).isEqualTo(SecretMasker.MASK);
  }

  @Test
  void mask_webhookUrlShowsOnlyItsOrigin() {
    JsonObject masked = SecretMasker.mask(new JsonObject().put("health", new JsonObject()
        .put("webhook", new JsonObject().put("url", "https://hooks.example.com/T00/B00/secretpath?token=abc"))));
    assertThat(masked.getJsonObject("health").getJsonObject("webhook").getString("url"))
        .isEqualTo("https://hooks.example.com/****");
  }
}
