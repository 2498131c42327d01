package io.consolidb.query;

import java.util.regex.Pattern;

/**
 * A PostgreSQL WAL position ({@code pg_lsn}): {@code X/Y}, two hexadecimal halves of a 64-bit byte
 * position, as {@code pg_current_wal_insert_lsn()} prints it. Read-your-writes on replicas carry it
 * (docs/OPERATIONS.md "Read replicas").
 */
public final class Lsn {

  /** The HTTP header and event-bus header of a write's LSN, and of a read that must see it. */
  public static final String HEADER = "X-Consolidb-LSN";
  static final String BUS_HEADER = "x-consolidb-lsn";
  /** The field of a write's reply, and of a read's request, on {@code consolidb.db.query} / {@code .tx}. */
  static final String REPLY_FIELD = "lsn";
  static final String REQUEST_FIELD = "minLsn";

  private static final Pattern TEXT = Pattern.compile("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}");

  private Lsn() {
  }

  /**
   * {@code X/Y} → its byte position.
   *
   * @throws IllegalArgumentException with a message for the caller when {@code text} is no LSN
   */
  static long parse(String where, String text) {
    if (text == null || !TEXT.matcher(text).matches()) {
      throw new IllegalArgumentException(where + " must be a PostgreSQL LSN such as 0/16B3748 (the "
          + HEADER + " of a write's answer)");
    }
    int slash = text.indexOf('/');
    return Long.parseUnsignedLong(text.substring(0, slash), 16) << 32 | Long.parseUnsignedLong(text.substring(slash + 1), 16);
  }

  /** The further of two positions (compared unsigned, as PostgreSQL does). */
  static long max(long a, long b) {
    return Long.compareUnsigned(a, b) >= 0 ? a : b;
  }

  /** A byte position as PostgreSQL prints it. */
  static String format(long position) {
    return Long.toHexString(position >>> 32).toUpperCase() + "/" + Long.toHexString(position & 0xFFFFFFFFL).toUpperCase();
  }
}
