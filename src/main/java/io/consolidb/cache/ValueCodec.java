package io.consolidb.cache;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * How a cached value is stored in Redis: {@code S}, when the value was loaded and until when it
 * is fresh (two longs, epoch milliseconds: the key outlives its TTL by {@code DB_CACHE_MAX_STALE}
 * so that it can answer while PostgreSQL is unreachable, and every node must know it is stale),
 * then one format byte and either the JSON text ({@code J}) or, for values whose JSON is longer
 * than the threshold, {@code L}, the JSON's length (int) and its LZ4 block. A value without the
 * {@code S} stamp (written before it existed) is fresh for as long as Redis keeps it. LZ4 because it compresses at several hundred MB/s and decompresses faster
 * still: on a cache hit the decompression is on the request path (docs/CACHE.md has the cost).
 * Decompression uses the bounds-checking decompressor: the Redis may be shared with other
 * applications, so a stored value is not trusted to be well formed.
 */
final class ValueCodec {

  private static final byte STAMPED = 'S';
  private static final int STAMP_BYTES = 1 + 2 * Long.BYTES;
  private static final byte RAW = 'J';
  private static final byte LZ4 = 'L';
  /** Largest value accepted back from Redis (a corrupt length must not allocate gigabytes). */
  private static final int MAX_DECODED_BYTES = 64 * 1024 * 1024;
  private static final LZ4Factory FACTORY = LZ4Factory.fastestInstance();
  private static final LZ4Compressor COMPRESSOR = FACTORY.fastCompressor();
  private static final LZ4SafeDecompressor DECOMPRESSOR = FACTORY.safeDecompressor();

  private final int thresholdBytes;

  ValueCodec(int thresholdBytes) {
    this.thresholdBytes = thresholdBytes;
  }

  /** The stored form of a JSON value, without a stamp; {@code json} is its encoding (already computed by the caller). */
  Encoded encode(Buffer json) {
    return encode(json, Buffer.buffer(json.length() + 1));
  }

  /** The stored form of a JSON value loaded at {@code storedAtMillis} and fresh until {@code freshUntilMillis}. */
  Encoded encode(Buffer json, long storedAtMillis, long freshUntilMillis) {
    Buffer stamp = Buffer.buffer(STAMP_BYTES + json.length() + 1)
        .appendByte(STAMPED).appendLong(storedAtMillis).appendLong(freshUntilMillis);
    return encode(json, stamp);
  }

  /** Appends the format byte and the value to {@code head} (empty, or the stamp). */
  private Encoded encode(Buffer json, Buffer head) {
    byte[] raw = json.getBytes();
    int headLength = head.length();
    if (thresholdBytes <= 0 || raw.length <= thresholdBytes) {
      return new Encoded(head.appendByte(RAW).appendBytes(raw), raw.length, false, 0);
    }
    byte[] block = new byte[COMPRESSOR.maxCompressedLength(raw.length)];
    int length = COMPRESSOR.compress(raw, 0, raw.length, block, 0, block.length);
    if (length + 5 >= raw.length + 1) { // incompressible: keep it raw
      return new Encoded(head.appendByte(RAW).appendBytes(raw), raw.length, false, 0);
    }
    Buffer stored = head.appendByte(LZ4).appendInt(raw.length).appendBytes(block, 0, length);
    return new Encoded(stored, raw.length, true, raw.length + 1 - (stored.length() - headLength));
  }

  /** The JSON value (a {@link JsonArray} or {@link JsonObject}), its JSON length and its stamp. */
  static Decoded decode(Buffer stored) {
    if (stored == null || stored.length() < 2) {
      throw new IllegalArgumentException("not a cached value");
    }
    if (stored.getByte(0) != STAMPED) {
      return decode(stored, 0, UNKNOWN, Long.MAX_VALUE);
    }
    if (stored.length() < STAMP_BYTES + 2) {
      throw new IllegalArgumentException("not a cached value");
    }
    return decode(stored, STAMP_BYTES, stored.getLong(1), stored.getLong(1 + Long.BYTES));
  }

  private static Decoded decode(Buffer stored, int at, long storedAtMillis, long freshUntilMillis) {
    byte format = stored.getByte(at);
    Buffer json;
    if (format == RAW) {
      json = stored.slice(at + 1, stored.length());
    } else if (format == LZ4) {
      if (stored.length() < at + 5) {
        throw new IllegalArgumentException("not a cached value");
      }
      int rawLength = stored.getInt(at + 1);
      if (rawLength <= 0 || rawLength > MAX_DECODED_BYTES) {
        throw new IllegalArgumentException("corrupt cached value length " + rawLength);
      }
      byte[] block = stored.getBytes(at + 5, stored.length());
      byte[] raw = new byte[rawLength];
      int n = DECOMPRESSOR.decompress(block, 0, block.length, raw, 0, rawLength);
      if (n != rawLength) {
        throw new IllegalArgumentException("corrupt cached value");
      }
      json = Buffer.buffer(raw);
    } else {
      throw new IllegalArgumentException("unknown cached value format " + format);
    }
    return new Decoded(parse(json), json.length(), storedAtMillis, freshUntilMillis);
  }

  static Object parse(Buffer json) {
    for (int i = 0; i < json.length(); i++) {
      switch (json.getByte(i)) {
        case ' ', '\t', '\r', '\n' -> { }
        case '[' -> { return new JsonArray(json); }
        case '{' -> { return new JsonObject(json); }
        default -> throw new IllegalArgumentException("a cached value is a JSON array or object");
      }
    }
    throw new IllegalArgumentException("a cached value is a JSON array or object");
  }

  /** The stored bytes, the JSON's length, whether it was compressed and how many bytes that saved. */
  record Encoded(Buffer stored, int jsonBytes, boolean compressed, int saved) {
  }

  /**
   * A value read back: {@code storedAtMillis} is {@link #UNKNOWN} and {@code freshUntilMillis}
   * {@code Long.MAX_VALUE} for a value without a stamp.
   */
  record Decoded(Object value, int jsonBytes, long storedAtMillis, long freshUntilMillis) {
  }

  /** The load time of a value written without a stamp. */
  static final long UNKNOWN = -1;
}
