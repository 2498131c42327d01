package io.consolidb.testsupport;

import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition instead of sleeping for a guessed time (not on an event loop). */
public final class Await {

  private static final long POLL_MS = 20;
  /** How long {@link #result} waits: far beyond any answer a test expects. */
  public static final long RESULT_SECONDS = 30;

  private Await() {
  }

  /** Polls {@code condition} until it holds; fails naming {@code what} after {@code timeoutMs}. */
  public static void until(String what, long timeoutMs, BooleanSupplier condition) {
    until(what, timeoutMs, condition, () -> null);
  }

  /**
   * As {@link #until(String, long, BooleanSupplier)}; a failure also says what {@code lastSeen}
   * answers then (the state the condition last looked at), so a CI log alone explains it.
   */
  public static void until(String what, long timeoutMs, BooleanSupplier condition, Supplier<String> lastSeen) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        String seen = lastSeen.get();
        throw new AssertionError("not within " + timeoutMs + " ms: " + what + (seen == null ? "" : "; last seen: " + seen));
      }
      try {
        Thread.sleep(POLL_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for: " + what, e);
      }
    }
  }

  /**
   * The result of {@code future}, waiting at most {@value #RESULT_SECONDS} s; a failed future
   * throws its cause, as {@code Future.await} does. For lambdas, where the checked
   * {@code TimeoutException} of {@code await(timeout, unit)} cannot be thrown.
   */
  public static <T> T result(Future<T> future) {
    try {
      return future.await(RESULT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no result within " + RESULT_SECONDS + " s", e);
    }
  }
}
