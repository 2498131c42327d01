package io.consolidb.cli;

import io.consolidb.config.SecretMasker;

/** How a command shows a failure it did not expect: one line, secrets masked. */
final class Reasons {

  private Reasons() {
  }

  /**
   * The root cause's message on one line: Flyway wraps the server's error in a page (the whole
   * migration script included) that would bury the reason; PostgreSQL's own hint is kept.
   */
  static String oneLine(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return SecretMasker.maskText(message.strip().replaceAll("\\s*\\R\\s*", "; "));
  }
}
