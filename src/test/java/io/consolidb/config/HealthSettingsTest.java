package io.consolidb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class HealthSettingsTest {

  @Test
  @DisplayName("the documented defaults apply, and the testing environment checks every 5 s")
  void fromJson_defaults() {
    HealthSettings health = ConfigLoader.loadBlocking(Map.of("CONSOLIDB_ENV", "testing")).health();
    assertThat(health).isEqualTo(new HealthSettings(5.0, 500, 80, 3, 2000, 1000, 1000, 200, 100, "", 2000));
    assertThat(health.intervalMs()).isEqualTo(5000);
    assertThat(health.webhookEnabled()).isFalse();
  }

  @Test
  @DisplayName("every threshold has a variable, and the interval takes fractions of a second")
  void fromJson_variables() {
    HealthSettings health = ConfigLoader.loadBlocking(Map.ofEntries(
        Map.entry("DB_HEALTH_CHECK_INTERVAL", "0.25"),
        Map.entry("HEALTH_SLOW_RESPONSE_MS", "150"),
        Map.entry("HEALTH_POOL_UTILIZATION_PERCENT", "90"),
        Map.entry("HEALTH_CRITICAL_AFTER_FAILURES", "5"),
        Map.entry("HEALTH_DB_TIMEOUT_MS", "700"),
        Map.entry("HEALTH_REDIS_TIMEOUT_MS", "300"),
        Map.entry("HEALTH_CHECK_TIMEOUT_MS", "400"),
        Map.entry("HEALTH_EVENT_LOOP_DELAY_MS", "50"),
        Map.entry("HEALTH_HISTORY_SIZE", "10"),
        Map.entry("HEALTH_WEBHOOK_URL", "https://hooks.example/alert?token=abc"),
        Map.entry("HEALTH_WEBHOOK_TIMEOUT_MS", "900"))).health();
    assertThat(health).isEqualTo(new HealthSettings(0.25, 150, 90, 5, 700, 300, 400, 50, 10,
        "https://hooks.example/alert?token=abc", 900));
    assertThat(health.intervalMs()).isEqualTo(250);
    assertThat(health.toString()).doesNotContain("abc");
  }

  @Test
  @DisplayName("BACKUP_MAX_AGE_HOURS turns the backup check on (fractions allowed); 0 leaves it off; negative is refused")
  void fromJson_backupMaxAge() {
    HealthSettings health = ConfigLoader.loadBlocking(Map.of("BACKUP_MAX_AGE_HOURS", "26.5")).health();
    assertThat(health.backupMaxAgeHours()).isEqualTo(26.5);
    assertThat(health.backupCheckEnabled()).isTrue();
    assertThat(ConfigLoader.loadBlocking(Map.of()).health().backupCheckEnabled()).isFalse();
    assertThatThrownBy(() -> ConfigLoader.loadBlocking(Map.of("BACKUP_MAX_AGE_HOURS", "-1")))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("health.backupMaxAgeHours (BACKUP_MAX_AGE_HOURS) = -1");
  }

  @Test
  @DisplayName("impossible thresholds are refused naming the key and the variable")
  void fromJson_invalid() {
    assertThatThrownBy(() -> ConfigLoader.loadBlocking(Map.of("HEALTH_POOL_UTILIZATION_PERCENT", "150")))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("health.poolUtilizationPercent (HEALTH_POOL_UTILIZATION_PERCENT) = 150");
    assertThatThrownBy(() -> ConfigLoader.loadBlocking(Map.of("HEALTH_CRITICAL_AFTER_FAILURES", "0")))
        .hasMessageContaining("health.criticalAfterFailures (HEALTH_CRITICAL_AFTER_FAILURES) = 0: must be at least 1");
    assertThatThrownBy(() -> ConfigLoader.loadBlocking(Map.of("DB_HEALTH_CHECK_INTERVAL", "0")))
        .hasMessageContaining("health.intervalSeconds (DB_HEALTH_CHECK_INTERVAL)");
    assertThatThrownBy(() -> ConfigLoader.loadBlocking(Map.of("HEALTH_WEBHOOK_URL", "ftp://x")))
        .hasMessageContaining("health.webhook.url (HEALTH_WEBHOOK_URL)");
  }
}
