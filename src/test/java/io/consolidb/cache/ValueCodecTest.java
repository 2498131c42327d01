package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ValueCodecTest {

  private final ValueCodec codec = new ValueCodec(1024);

  @Test
  void encode_smallValueStaysRaw() {
    JsonArray rows = JsonArray.of(new JsonObject().put("id", 1));
    ValueCodec.Encoded encoded = codec.encode(rows.toBuffer());
    assertThat(encoded.compressed()).isFalse();
    assertThat(ValueCodec.decode(encoded.stored()).value()).isEqualTo(rows);
  }

  @Test
  void encode_largeValueCompressedAndRoundTrips() {
    JsonArray rows = new JsonArray();
    for (int i = 0; i < 100; i++) {
      rows.add(new JsonObject().put("id", i).put("name", "Kosher Deli " + i).put("city", "New York"));
    }
    ValueCodec.Encoded encoded = codec.encode(rows.toBuffer());
    assertThat(encoded.compressed()).isTrue();
    assertThat(encoded.saved()).isGreaterThan(rows.toBuffer().length() / 2);
    ValueCodec.Decoded decoded = ValueCodec.decode(encoded.stored());
    assertThat(decoded.value()).isEqualTo(rows);
    assertThat(decoded.jsonBytes()).isEqualTo(rows.toBuffer().length());
  }

  @Test
  void decode_corruptValueRefused() {
    assertThatThrownBy(() -> ValueCodec.decode(Buffer.buffer().appendByte((byte) 'L').appendInt(Integer.MAX_VALUE)
        .appendString("xx"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ValueCodec.decode(Buffer.buffer("Zabc"))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void encode_stampedRoundTripsItsTimesRawAndCompressed() {
    JsonArray small = JsonArray.of(new JsonObject().put("id", 1));
    ValueCodec.Decoded raw = ValueCodec.decode(codec.encode(small.toBuffer(), 1_000L, 61_000L).stored());
    assertThat(raw.value()).isEqualTo(small);
    assertThat(raw.storedAtMillis()).isEqualTo(1_000L);
    assertThat(raw.freshUntilMillis()).isEqualTo(61_000L);

    JsonArray large = new JsonArray();
    for (int i = 0; i < 100; i++) {
      large.add(new JsonObject().put("id", i).put("name", "Kosher Deli " + i));
    }
    ValueCodec.Encoded encoded = codec.encode(large.toBuffer(), 5L, 7L);
    assertThat(encoded.compressed()).isTrue();
    assertThat(encoded.saved()).as("the stamp is not counted against compression")
        .isEqualTo(codec.encode(large.toBuffer()).saved());
    ValueCodec.Decoded decoded = ValueCodec.decode(encoded.stored());
    assertThat(decoded.value()).isEqualTo(large);
    assertThat(decoded.jsonBytes()).isEqualTo(large.toBuffer().length());
    assertThat(decoded.storedAtMillis()).isEqualTo(5L);
    assertThat(decoded.freshUntilMillis()).isEqualTo(7L);
  }

  @Test
  void decode_unstampedValueIsFreshWithUnknownAge() {
    ValueCodec.Decoded decoded = ValueCodec.decode(codec.encode(JsonArray.of(1).toBuffer()).stored());
    assertThat(decoded.storedAtMillis()).isEqualTo(ValueCodec.UNKNOWN);
    assertThat(decoded.freshUntilMillis()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void decode_truncatedStampRefused() {
    assertThatThrownBy(() -> ValueCodec.decode(Buffer.buffer().appendByte((byte) 'S').appendLong(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static Buffer json(int bytes) {
    // ["xxx…"]: exactly `bytes` bytes of JSON, compressible
    return Buffer.buffer("[\"" + "x".repeat(bytes - 4) + "\"]");
  }

  @Test
  void encode_theThresholdIsInclusive_andZeroMeansNever() {
    assertThat(codec.encode(json(1024)).compressed()).isFalse();
    assertThat(codec.encode(json(1025)).compressed()).isTrue();
    assertThat(new ValueCodec(0).encode(json(100_000)).compressed()).isFalse();
    assertThat(new ValueCodec(-1).encode(json(100_000)).compressed()).isFalse();
  }

  @Test
  void encode_anIncompressibleValueStaysRaw() {
    StringBuilder noise = new StringBuilder("[\"");
    Random random = new Random(42);
    for (int i = 0; i < 4000; i++) {
      noise.append((char) ('#' + random.nextInt(57))); // '#' to '[': no quote, no backslash
    }
    Buffer value = Buffer.buffer(noise.append("\"]").toString());
    ValueCodec.Encoded encoded = codec.encode(value);
    assertThat(encoded.compressed()).isFalse();
    assertThat(encoded.saved()).isZero();
    assertThat(encoded.stored().length()).isEqualTo(value.length() + 1);
    assertThat(ValueCodec.decode(encoded.stored()).value()).isEqualTo(new JsonArray(value));
  }

  @Test
  void encode_savedIsTheRawFormMinusTheCompressedOne_stampNotCounted() {
    Buffer value = json(10_000);
    ValueCodec.Encoded plain = codec.encode(value);
    assertThat(plain.stored().length()).isEqualTo(value.length() + 1 - plain.saved());
    assertThat(plain.jsonBytes()).isEqualTo(10_000);
    ValueCodec.Encoded stamped = codec.encode(value, 1L, 2L);
    assertThat(stamped.stored().length()).isEqualTo(17 + value.length() + 1 - stamped.saved());
    assertThat(stamped.saved()).isEqualTo(plain.saved()).isGreaterThan(9_000);
  }

  @Test
  void decode_theShortestValuesOfEachForm() {
    assertThatThrownBy(() -> ValueCodec.decode(Buffer.buffer("J"))).hasMessage("not a cached value");
    assertThatThrownBy(() -> ValueCodec.decode(null)).hasMessage("not a cached value");
    // two bytes: a format and one character, read as JSON
    assertThatThrownBy(() -> ValueCodec.decode(Buffer.buffer("J "))).hasMessage("a cached value is a JSON array or object");
    Buffer stamp = Buffer.buffer().appendByte((byte) 'S').appendLong(1).appendLong(2);
    assertThatThrownBy(() -> ValueCodec.decode(stamp.copy().appendString("J"))).hasMessage("not a cached value");
    assertThatThrownBy(() -> ValueCodec.decode(stamp.copy().appendString("J ")))
        .hasMessage("a cached value is a JSON array or object");
    assertThat(ValueCodec.decode(stamp.copy().appendString("J{}")).value()).isEqualTo(new JsonObject());
    assertThat(ValueCodec.decode(Buffer.buffer("J \n\t{\"a\":1}")).value()).isEqualTo(new JsonObject().put("a", 1));
    assertThatThrownBy(() -> ValueCodec.decode(Buffer.buffer("J \n\t"))).hasMessage("a cached value is a JSON array or object");
  }

  @Test
  void decode_lz4LengthsAreBounded() {
    assertThatThrownBy(() -> ValueCodec.decode(Buffer.buffer().appendByte((byte) 'L').appendShort((short) 1)))
        .hasMessage("not a cached value");
    // the length alone, no block: past the size check, refused by the decompressor
    assertThatThrownBy(() -> ValueCodec.decode(Buffer.buffer().appendByte((byte) 'L').appendInt(2)))
        .isNotInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ValueCodec.decode(Buffer.buffer().appendByte((byte) 'L').appendInt(0).appendString("x")))
        .hasMessage("corrupt cached value length 0");
    assertThatThrownBy(() -> ValueCodec.decode(Buffer.buffer().appendByte((byte) 'L').appendInt(64 * 1024 * 1024 + 1)
        .appendString("x"))).hasMessage("corrupt cached value length 67108865");
    Buffer stored = codec.encode(json(2000)).stored();
    Buffer block = stored.slice(5, stored.length());
    // the largest length accepted: allocated, then refused because the block does not fill it
    assertThatThrownBy(() -> ValueCodec.decode(Buffer.buffer().appendByte((byte) 'L').appendInt(64 * 1024 * 1024)
        .appendBuffer(block))).hasMessageNotContaining("length");
    // a block that decodes to fewer bytes than its length says
    Buffer shorter = Buffer.buffer().appendByte((byte) 'L').appendInt(2001).appendBuffer(block);
    assertThatThrownBy(() -> ValueCodec.decode(shorter)).isInstanceOf(RuntimeException.class);
  }
}
