package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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
}
