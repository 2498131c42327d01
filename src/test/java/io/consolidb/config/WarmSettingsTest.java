package io.consolidb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Cache warming's settings: off in testing unless asked, defaults, and every refusal naming its key and variable. */
class WarmSettingsTest {

  private static void refused(String variable, String value, String key, String reason, String... more) {
    String[] pairs = new String[2 + more.length];
    pairs[0] = variable;
    pairs[1] = value;
    System.arraycopy(more, 0, pairs, 2, more.length);
    assertThatThrownBy(() -> TestSettings.load(pairs)).isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining(key).hasMessageContaining(variable).hasMessageContaining(reason);
  }

  @Test
  void testingEnvironment_offUnlessTurnedOn() {
    assertThat(TestSettings.load().cache().warm().enabled()).isFalse();
    assertThat(TestSettings.load("DB_CACHE_WARM_ENABLED", "true").cache().warm())
        .isEqualTo(new WarmSettings(true, 100, 2, 5000, 1000, 10, 3600));
    assertThat(TestSettings.load("CONSOLIDB_ENV", "development").cache().warm().enabled())
        .as("on where conf/default.yaml applies").isTrue();
  }

  @Test
  void variables_setEveryField() {
    WarmSettings warm = TestSettings.load("DB_CACHE_WARM_ENABLED", "true", "DB_CACHE_WARM_KEYS", "1000",
        "DB_CACHE_WARM_CONCURRENCY", "64", "DB_CACHE_WARM_BUDGET_MS", "120000", "DB_CACHE_WARM_COOLDOWN_MS", "10",
        "DB_CACHE_WARM_PUBLISH_SECONDS", "5", "DB_CACHE_WARM_LIST_TTL", "10").cache().warm();
    assertThat(warm).isEqualTo(new WarmSettings(true, 1000, 64, 120_000, 10, 5, 10));
  }

  @Test
  void badValues_refusedNamingKeyAndVariable() {
    refused("DB_CACHE_WARM_KEYS", "0", "cache.warm.keys", "at least 1");
    refused("DB_CACHE_WARM_KEYS", "1001", "cache.warm.keys", "at most 1000");
    refused("DB_CACHE_WARM_CONCURRENCY", "0", "cache.warm.concurrency", "at least 1");
    refused("DB_CACHE_WARM_CONCURRENCY", "65", "cache.warm.concurrency", "at most 64");
    refused("DB_CACHE_WARM_BUDGET_MS", "9", "cache.warm.budgetMs", "at least 10");
    refused("DB_CACHE_WARM_BUDGET_MS", "120001", "cache.warm.budgetMs", "at most 120000");
    refused("DB_CACHE_WARM_COOLDOWN_MS", "9", "cache.warm.cooldownMs", "at least 10");
    refused("DB_CACHE_WARM_PUBLISH_SECONDS", "0", "cache.warm.publishSeconds", "at least 1");
    refused("DB_CACHE_WARM_LIST_TTL", "19", "cache.warm.listTtlSeconds", "at least twice cache.warm.publishSeconds",
        "DB_CACHE_WARM_PUBLISH_SECONDS", "10");
    refused("DB_CACHE_WARM_ENABLED", "maybe", "cache.warm.enabled", "");
    refused("DB_CACHE_WARM_KEYS", "many", "cache.warm.keys", "");
  }
}
