package io.consolidb.testsupport;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Waits for a condition instead of sleeping for a guessed time (not on an event loop). */
public final class Await {

  private static final long POLL_MS = 20;

  private Await() {
  }

  /** Polls {@code condition} until it holds; fails naming {@code what} after {@code timeoutMs}. */
  public static void until(String what, long timeoutMs, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + timeoutMs + " ms: " + what);
      }
      try {
        Thread.sleep(POLL_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for: " + what, e);
      }
    }
  }
}
