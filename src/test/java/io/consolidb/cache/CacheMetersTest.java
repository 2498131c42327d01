package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The cache's counts as the stats endpoint shows them, with the local tier on or off. */
class CacheMetersTest {

  private final CacheMeters meters = new CacheMeters(new SimpleMeterRegistry());

  @Test
  void hitsAreBothTiers_missesAreLoads_rateToOneDecimal() {
    meters.localHit.increment(2);
    meters.redisHit.increment(3);
    meters.loads.increment(2);
    assertThat(meters.hits()).isEqualTo(5);
    assertThat(meters.misses()).isEqualTo(2);
    assertThat(meters.hitRatePercent()).isEqualTo(71.4);
    assertThat(new CacheMeters(new SimpleMeterRegistry()).hitRatePercent()).isZero();
  }

  @Test
  void stats_withTheLocalTier_showItsSizes() {
    LocalTier local = new LocalTier(50, Long.MAX_VALUE);
    local.put("a", new LocalTier.Entry(new Object(), 100, List.of("t"), TimeUnit.MINUTES.toNanos(5)));
    local.put("b", new LocalTier.Entry(new Object(), 20, List.of("t"), TimeUnit.MINUTES.toNanos(5)));
    meters.localHit.increment();
    meters.localMiss.increment(4);
    meters.localDrops.increment();
    JsonObject stats = meters.stats(local, null, "disabled", 2048);
    assertThat(stats.getLong("entries")).isEqualTo(2);
    assertThat(stats.getLong("memory_bytes")).isEqualTo(120);
    JsonObject tier = stats.getJsonObject("local");
    assertThat(tier.getBoolean("enabled")).isTrue();
    assertThat(tier.getLong("hits")).isEqualTo(1);
    assertThat(tier.getLong("misses")).isEqualTo(4);
    assertThat(tier.getLong("entries")).isEqualTo(2);
    assertThat(tier.getInteger("max_entries")).isEqualTo(50);
    assertThat(tier.getLong("memory_bytes")).isEqualTo(120);
    assertThat(tier.getLong("drops")).isEqualTo(1);
    assertThat(stats.getJsonObject("redis").getBoolean("enabled")).isFalse();
    assertThat(stats.getJsonObject("redis").getString("state")).isEqualTo("disabled");
    assertThat(stats.getJsonObject("redis").containsKey("hits")).isFalse();
    assertThat(stats.getJsonObject("compression").getInteger("threshold_bytes")).isEqualTo(2048);
  }

  @Test
  void stats_withoutTheLocalTier_zeroSizes() {
    JsonObject stats = meters.stats(null, null, "disabled", 0);
    assertThat(stats.getJsonObject("local")).isEqualTo(new JsonObject().put("enabled", false));
    assertThat(stats.getLong("entries")).isZero();
    assertThat(stats.getLong("memory_bytes")).isZero();
    assertThat(stats.getLong("evictions")).isZero();
    assertThat(stats.getLong("expirations")).isZero();
  }

  @Test
  void warmStats_perReason() {
    meters.warm(CacheWarmer.Reason.START, "done").increment(3);
    meters.warm(CacheWarmer.Reason.START, "skipped").increment();
    meters.warmQueries(CacheWarmer.Reason.START).increment(4);
    meters.warmDuration(CacheWarmer.Reason.START).record(Duration.ofMillis(250));
    assertThat(meters.warmStats(CacheWarmer.Reason.START)).isEqualTo(new JsonObject().put("done", 3L)
        .put("failed", 0L).put("skipped", 1L).put("queries", 4L).put("time_ms", 250L));
    assertThat(meters.warmStats(CacheWarmer.Reason.INVALIDATION).getLong("done")).isZero();
  }
}
