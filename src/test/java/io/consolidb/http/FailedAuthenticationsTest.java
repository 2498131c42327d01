package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.config.AuthLimits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-address count of failed authentications, on a clock the test moves. */
class FailedAuthenticationsTest {

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private FailedAuthentications limiter(AuthLimits limits) {
    return new FailedAuthentications(limits, registry, nanos::get);
  }

  private void advanceSeconds(double seconds) {
    nanos.addAndGet((long) (seconds * TimeUnit.SECONDS.toNanos(1)));
  }

  private static void fail(FailedAuthentications limiter, String address, int times) {
    for (int i = 0; i < times; i++) {
      limiter.failed(address);
    }
  }

  @Test
  void retryAfterSeconds_blockedAfterMaxFailuresForTheBlock() {
    FailedAuthentications limiter = limiter(new AuthLimits(3, 60, 30, 100));
    fail(limiter, "10.0.0.1", 2);
    assertThat(limiter.retryAfterSeconds("10.0.0.1")).isZero();
    limiter.failed("10.0.0.1");
    assertThat(limiter.retryAfterSeconds("10.0.0.1")).isEqualTo(30);
    assertThat(limiter.retryAfterSeconds("10.0.0.2")).as("another address").isZero();
    advanceSeconds(29.5);
    assertThat(limiter.retryAfterSeconds("10.0.0.1")).as("rounded up").isEqualTo(1);
    advanceSeconds(0.5);
    assertThat(limiter.retryAfterSeconds("10.0.0.1")).isZero();
    limiter.failed("10.0.0.1");
    assertThat(limiter.retryAfterSeconds("10.0.0.1")).as("a new window after the block").isZero();
    assertThat(registry.get("consolidb.http.auth.failures").counter().count()).isEqualTo(4);
    assertThat(registry.get("consolidb.http.auth.refused").counter().count()).isEqualTo(2);
  }

  @Test
  void failed_countsWithinTheWindowOnly() {
    FailedAuthentications limiter = limiter(new AuthLimits(3, 10, 30, 100));
    fail(limiter, "10.0.0.1", 2);
    advanceSeconds(10);
    fail(limiter, "10.0.0.1", 2);
    assertThat(limiter.retryAfterSeconds("10.0.0.1")).as("two, then two in a new window").isZero();
    limiter.failed("10.0.0.1");
    assertThat(limiter.retryAfterSeconds("10.0.0.1")).isEqualTo(30);
  }

  @Test
  void addresses_boundedWhateverTheNumberOfAttackers() {
    FailedAuthentications limiter = limiter(new AuthLimits(3, 60, 300, 100));
    for (int i = 0; i < 20_000; i++) {
      limiter.failed("10.1." + (i >> 8) + "." + (i & 255));
    }
    assertThat(limiter.addresses()).isLessThanOrEqualTo(100);
    assertThat(registry.get("consolidb.http.auth.addresses").gauge().value()).isLessThanOrEqualTo(100);
  }

  @Test
  void addresses_forgottenOnceNeitherWindowNorBlockMatters() {
    FailedAuthentications limiter = limiter(new AuthLimits(3, 60, 300, 100));
    fail(limiter, "10.0.0.1", 3);
    limiter.failed("10.0.0.2");
    assertThat(limiter.addresses()).isEqualTo(2);
    advanceSeconds(361);
    assertThat(limiter.addresses()).isZero();
  }

  @Test
  void disabled_neverBlocks() {
    FailedAuthentications limiter = limiter(new AuthLimits(0, 60, 300, 100));
    fail(limiter, "10.0.0.1", 50);
    assertThat(limiter.retryAfterSeconds("10.0.0.1")).isZero();
    assertThat(limiter.addresses()).isZero();
    assertThat(registry.get("consolidb.http.auth.failures").counter().count()).as("still counted").isEqualTo(50);
  }

  @Test
  void close_removesItsMeters_soARedeployedServerRegistersAfresh() {
    FailedAuthentications limiter = limiter(new AuthLimits(3, 60, 300, 100));
    limiter.failed("10.0.0.1");
    assertThat(registry.find("consolidb.http.auth.failures").counter()).isNotNull();
    limiter.close();
    assertThat(registry.find("consolidb.http.auth.failures").meters()).isEmpty();
    assertThat(registry.find("consolidb.http.auth.refused").meters()).isEmpty();
    assertThat(registry.find("consolidb.http.auth.addresses").meters()).isEmpty();

    limiter(new AuthLimits(3, 60, 300, 100)).failed("10.0.0.1");
    assertThat(registry.get("consolidb.http.auth.failures").counter().count()).as("a fresh count").isEqualTo(1);
  }
}
