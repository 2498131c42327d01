package io.consolidb.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Where HTTP compression pays: for answers shaped like consolidb's (pages of restaurants, 1 to
 * 100 items, and a problem), the gzip time at Netty's default level 6 against the bytes it saves.
 * "Break-even" is the link speed below which sending the saved bytes takes longer than
 * compressing them: compression pays on any link slower than that. Prints a Markdown table
 * (docs/BENCHMARKS.md, "HTTP compression threshold").
 *
 * <pre>java -cp target/test-classes:target/classes:$(cat target/bench-classpath.txt) io.consolidb.bench.CompressionThreshold</pre>
 */
public final class CompressionThreshold {

  private static final String[] CITIES = {"New York", "Brooklyn", "Los Angeles", "Chicago", "Miami", "Boston"};
  private static final String[] CATEGORIES = {"meat", "dairy", "pareve", "vegetarian"};

  private CompressionThreshold() {
  }

  public static void main(String[] args) throws IOException {
    Random random = new Random(42);
    System.out.println("| answer | bytes | gzip bytes | saved | gzip µs (median) | break-even link |");
    System.out.println("|---|---|---|---|---|---|");
    row("problem (404)", new JsonObject().put("type", "about:blank").put("title", "Not Found").put("status", 404)
        .put("detail", "no restaurant with id 9999").put("instance", "urn:request:4bf92f3577b34da6a3ce929d0e0e4736")
        .toBuffer().getBytes());
    for (int items : new int[] {1, 2, 3, 5, 10, 20, 50, 100}) {
      JsonArray page = new JsonArray();
      for (int i = 0; i < items; i++) {
        page.add(restaurant(random, i));
      }
      byte[] body = (items == 1 ? page.getJsonObject(0) : new JsonObject().put("items", page).put("count", items))
          .toBuffer().getBytes();
      row(items == 1 ? "one restaurant" : "page of " + items, body);
    }
  }

  private static JsonObject restaurant(Random random, int i) {
    String city = CITIES[random.nextInt(CITIES.length)];
    return new JsonObject().put("id", 10_000 + random.nextInt(90_000)).put("name", "Restaurant " + (char) ('A' + i % 26)
            + random.nextInt(1000)).put("address", random.nextInt(900) + " Main Street").put("city", city)
        .put("state", "NY").put("postal_code", String.format(Locale.ROOT, "%05d", random.nextInt(99_999)))
        .put("phone", "+1-212-555-" + String.format(Locale.ROOT, "%04d", random.nextInt(9999)))
        .put("website", "https://example.com/r/" + random.nextInt(100_000))
        .put("kosher_category", CATEGORIES[random.nextInt(CATEGORIES.length)]).put("certifying_agency", "OU")
        .put("hours", new JsonObject().put("mon", "11:00-22:00").put("fri", "11:00-15:00"))
        .put("price_range", 1 + random.nextInt(4)).put("rating", Math.round(random.nextDouble() * 50) / 10.0)
        .put("status", "active").put("latitude", 40 + random.nextDouble()).put("longitude", -74 + random.nextDouble())
        .put("created_at", "2026-11-01T10:00:00Z").put("updated_at", "2026-11-20T08:30:00Z")
        .put("distance_km", Math.round(random.nextDouble() * 1000) / 100.0);
  }

  private static void row(String what, byte[] body) throws IOException {
    int compressed = gzip(body).length;
    long[] nanos = new long[2001];
    for (int warm = 0; warm < 20_000; warm++) {
      gzip(body);
    }
    for (int i = 0; i < nanos.length; i++) {
      long start = System.nanoTime();
      gzip(body);
      nanos[i] = System.nanoTime() - start;
    }
    java.util.Arrays.sort(nanos);
    double micros = nanos[nanos.length / 2] / 1000.0;
    int saved = body.length - compressed;
    // saved bits / compression time = the link speed at which both take as long
    String breakEven = saved <= 0 ? "never" : String.format(Locale.ROOT, "%.0f Mbit/s", saved * 8 / micros);
    System.out.printf(Locale.ROOT, "| %s | %d | %d | %d (%.0f %%) | %.1f | %s |%n", what, body.length, compressed,
        saved, 100.0 * saved / body.length, micros, breakEven);
  }

  private static byte[] gzip(byte[] body) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length);
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(body);
    }
    return out.toByteArray();
  }

  static String text(byte[] body) {
    return new String(body, StandardCharsets.UTF_8);
  }
}
