package io.consolidb.analytics;

import java.time.Duration;
import java.time.Instant;

/**
 * The bounds {@link AnalyticsService} enforces, public so that callers can state them. A value
 * outside them fails with {@code ServiceException} 400 naming the parameter (413 for a batch
 * that is too large).
 */
public final class AnalyticsLimits {

  /** Events per call: 1 to this many. */
  public static final int MAX_BATCH_SIZE = 1000;
  /**
   * Largest body the HTTP batch endpoint reads, in bytes, whatever {@code HTTP_MAX_BODY_BYTES}
   * says when that is smaller: a full batch with properties must fit.
   */
  public static final int MAX_BATCH_BODY_BYTES = 4 * 1024 * 1024;

  /** An event type: lower-case letters, digits, {@code _ . -}, starting with a letter, 1 to 64. */
  public static final String TYPE_PATTERN = "[a-z][a-z0-9_.\\-]{0,63}";
  /** The type whose events the view reports count; such an event needs a {@code restaurant_id}. */
  public static final String VIEW = "view";
  /** Largest {@code properties} object, in characters of its JSON encoding. */
  public static final int MAX_PROPERTIES_JSON_LENGTH = 2048;
  /** Earliest accepted {@code occurred_at} (the first monthly partition). */
  public static final Instant EARLIEST_EVENT = Instant.parse("2024-01-01T00:00:00Z");
  /** How far ahead of the server's clock {@code occurred_at} may be (clock skew). */
  public static final Duration MAX_CLOCK_SKEW = Duration.ofDays(1);

  /** A report window: {@code to} after {@code from}, at most this many whole UTC days once widened to them. */
  public static final int MAX_WINDOW_DAYS = 366;
  /** Default window of a report when {@code from} is not given: this many days before {@code to}. */
  public static final int DEFAULT_WINDOW_DAYS = 7;
  /** Top restaurants: 1 to this many, 10 by default. */
  public static final int MAX_TOP_LIMIT = 100;
  public static final int DEFAULT_TOP_LIMIT = 10;
  /** A user's activity report lists at most this many restaurants, most events first. */
  public static final int USER_TOP_RESTAURANTS = 10;

  private AnalyticsLimits() {
  }
}
