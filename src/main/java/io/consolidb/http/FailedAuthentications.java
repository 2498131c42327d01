package io.consolidb.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.consolidb.config.AuthLimits;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Failed authentications per client address ({@link AuthLimits}): {@code maxFailures} wrong tokens
 * within {@code windowSeconds} (counted from the first) block the address (the key
 * {@link Authenticator#clientKey} gives it) for {@code blockSeconds}.
 * A success does not reset the count: a client holding one weak-scoped token must not be able to
 * clear its record between guesses at others. Addresses are kept in a size-bounded Caffeine cache
 * whose entries expire once neither their window nor their block can matter any more.
 *
 * <p>Meters: {@code consolidb.http.auth.failures} (wrong tokens), {@code consolidb.http.auth.refused}
 * (requests answered 429 without their token being looked at), {@code consolidb.http.auth.addresses}
 * (addresses remembered now).
 */
final class FailedAuthentications {

  /** One address's record; replaced, never changed, inside the cache's atomic compute. */
  private record Attempts(int failures, long windowStartNanos, long blockedUntilNanos) {
  }

  private final AuthLimits limits;
  private final Ticker ticker;
  private final Cache<String, Attempts> byAddress;
  private final Counter failures;
  private final Counter refused;
  private final List<Meter> meters;
  private final MeterRegistry registry;

  FailedAuthentications(AuthLimits limits, MeterRegistry registry) {
    this(limits, registry, Ticker.systemTicker());
  }

  FailedAuthentications(AuthLimits limits, MeterRegistry registry, Ticker ticker) {
    this.limits = limits;
    this.ticker = ticker;
    this.registry = registry;
    this.byAddress = Caffeine.newBuilder()
        .maximumSize(limits.maxAddresses())
        .expireAfterWrite(Duration.ofSeconds((long) limits.windowSeconds() + limits.blockSeconds()))
        .ticker(ticker)
        // eviction work runs on the calling thread: no pool thread handed work from an event loop
        .executor(Runnable::run)
        .build();
    failures = Counter.builder("consolidb.http.auth.failures")
        .description("requests with a bearer token that matches no token of this node").register(registry);
    refused = Counter.builder("consolidb.http.auth.refused")
        .description("requests answered 429 because their address failed to authenticate too often")
        .register(registry);
    meters = List.of(failures, refused,
        Gauge.builder("consolidb.http.auth.addresses", byAddress, Cache::estimatedSize)
            .description("client addresses with failed authentications remembered").register(registry));
  }

  /** Seconds until {@code address} may try again, or 0 when it may now (counts the refusal). */
  int retryAfterSeconds(String address) {
    if (!limits.enabled()) {
      return 0;
    }
    Attempts attempts = byAddress.getIfPresent(address);
    long now = ticker.read();
    if (attempts == null || attempts.blockedUntilNanos() - now <= 0) {
      return 0;
    }
    refused.increment();
    return (int) Math.max(1, TimeUnit.NANOSECONDS.toSeconds(attempts.blockedUntilNanos() - now + 999_999_999L));
  }

  /** Records a wrong token from {@code address}; the one that reaches the limit starts the block. */
  void failed(String address) {
    failures.increment();
    if (!limits.enabled()) {
      return;
    }
    long now = ticker.read();
    long window = TimeUnit.SECONDS.toNanos(limits.windowSeconds());
    byAddress.asMap().compute(address, (a, before) -> {
      Attempts current = before == null || now - before.windowStartNanos() >= window
          ? new Attempts(0, now, 0) : before;
      int count = current.failures() + 1;
      long blockedUntil = count >= limits.maxFailures() ? now + TimeUnit.SECONDS.toNanos(limits.blockSeconds()) : 0;
      // a new window begins after a block, so the next wrong token does not block again at once
      return blockedUntil != 0 ? new Attempts(0, blockedUntil, blockedUntil)
          : new Attempts(count, current.windowStartNanos(), 0);
    });
  }

  /** Addresses remembered now (bounded by {@code maxAddresses}). */
  long addresses() {
    byAddress.cleanUp();
    return byAddress.estimatedSize();
  }

  void close() {
    meters.forEach(registry::remove);
  }
}
