package io.consolidb.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The overload goal of the bulkheads (docs/RELIABILITY.md): {@value #CONNECTIONS} wrk connections
 * of anonymous full-text searches (two words from the data set's names) and 50 km radius reads
 * (around restaurants of the data set, moved by up to ±0.05°), each connection sending its next
 * request as soon as the last is answered, against one node process from the jar. Meanwhile two
 * open-loop probes: lookups by id at {@value #LOOKUP_RATE}/s over a hot set of
 * {@value #HOT_IDS} restaurants (warmed first, so local-tier hits as a popular working set would
 * be), and searches at {@value #SEARCH_PROBE_RATE}/s whose 429s give the shedding latency a client
 * sees. The same lookups are measured alone first. Goals: lookups p99 ≤ 20 ms under the
 * overload, 429s p99 ≤ 50 ms, peak RSS ≤ 400 MiB, no OutOfMemoryError.
 */
final class Overload {

  static final int CONNECTIONS = 400;
  static final int LOOKUP_RATE = 200;
  static final int SEARCH_PROBE_RATE = 50;
  static final int HOT_IDS = 2000;
  private static final Pattern STATUS = Pattern.compile("STATUS ok=(\\d+) busy=(\\d+) other=(\\d+) timeouts=(\\d+)");
  private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([0-9.]+)s");

  private Overload() {
  }

  static void run(Report report, NodeProcess node, int port, int seconds, Pool db, Path out, Path nodeLog)
      throws Exception {
    String flood = floodScript(db);
    Path script = out.resolve("overload.lua");
    Files.writeString(script, flood);

    Map<Integer, StatusProbe.Latencies> warm = StatusProbe.run("127.0.0.1", port, 1000, 3, Overload::lookup);
    require(warm, "warming the lookups");
    Map<Integer, StatusProbe.Latencies> idle = StatusProbe.run("127.0.0.1", port, LOOKUP_RATE, seconds, Overload::lookup);
    require(idle, "lookups without the overload");

    int floodSeconds = seconds + 6;
    List<String> command = new ArrayList<>(List.of("nice", "-n", setting("OVERLOAD_WRK_NICE", "0"),
        "wrk", "-t" + setting("OVERLOAD_WRK_THREADS", "2"), "-c" + CONNECTIONS, "-d" + floodSeconds + "s",
        "--timeout", "10s", "-s", script.toString(), node.url("/")));
    CompletableFuture<String> wrk = CompletableFuture.supplyAsync(() -> {
      try {
        return ExternalTools.run(command, Map.of(), floodSeconds + 60);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Thread.sleep(3_000); // the flood reaches its steady state
    CompletableFuture<Map<Integer, StatusProbe.Latencies>> searches = CompletableFuture.supplyAsync(() -> {
      try {
        return StatusProbe.run("127.0.0.1", port, SEARCH_PROBE_RATE, seconds,
            i -> "/api/v1/restaurants/search?q=probe" + i + "&limit=20");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Map<Integer, StatusProbe.Latencies> loaded = StatusProbe.run("127.0.0.1", port, LOOKUP_RATE, seconds,
        Overload::lookup);
    Map<Integer, StatusProbe.Latencies> probed = searches.get(seconds + 120L, TimeUnit.SECONDS);
    String wrkOut = wrk.get(floodSeconds + 120L, TimeUnit.SECONDS);
    JsonObject bulkheads = summary(port).getJsonObject("http_bulkheads", new JsonObject());

    Matcher status = STATUS.matcher(wrkOut);
    Matcher requests = REQUESTS.matcher(wrkOut);
    if (!status.find() || !requests.find()) {
      throw new IllegalStateException("wrk printed no status counts:\n" + wrkOut);
    }
    long ok = Long.parseLong(status.group(1));
    long busy = Long.parseLong(status.group(2));
    long other = Long.parseLong(status.group(3));
    long answered = ok + busy + other;
    boolean outOfMemory = Files.readString(nodeLog).contains("OutOfMemoryError");
    double rss = node.peakRssMib();

    StatusProbe.Latencies idleLookups = idle.get(200);
    StatusProbe.Latencies loadedLookups = loaded.get(200);
    StatusProbe.Latencies shed = probed.get(429);
    report.latency("lookup_idle", idleLookups.p50(), idleLookups.p99());
    if (loadedLookups != null) {
      report.latency("lookup_under_overload", loadedLookups.p50(), loadedLookups.p99());
    }
    if (shed != null) {
      report.latency("overload_429", shed.p50(), shed.p99());
    }
    report.rss(rss);
    report.detail("overload", new JsonObject()
        .put("connections", CONNECTIONS)
        .put("flood_command", String.join(" ", command.subList(0, command.indexOf("-s"))))
        .put("flood_target", setting("OVERLOAD_FLOOD", "searches"))
        .put("seconds", seconds)
        .put("flood", new JsonObject().put("answered", answered).put("ok", ok).put("rejected_429", busy)
            .put("other", other).put("timeouts", Long.parseLong(status.group(4)))
            .put("share_429", Samples.round(answered == 0 ? 0 : (double) busy / answered))
            .put("requests_per_second", Samples.round(answered / Double.parseDouble(requests.group(2)))))
        .put("lookups_idle", StatusProbe.toJson(idle))
        .put("lookups_under_overload", StatusProbe.toJson(loaded))
        .put("search_probe_under_overload", StatusProbe.toJson(probed))
        .put("http_bulkheads_after", bulkheads)
        .put("peak_rss_mib", Samples.round(rss))
        .put("out_of_memory", outOfMemory)
        .put("goals", new JsonObject()
            .put("lookup_p99_le_20ms", loadedLookups != null && loadedLookups.p99() <= 20 && lookupsAllServed(loaded))
            .put("rejections_p99_le_50ms", shed != null && shed.p99() <= 50)
            .put("rss_le_400mib", rss <= 400)
            .put("no_out_of_memory", !outOfMemory)));
  }

  /**
   * A knob of the scenario, for finding where the lookups' time goes (docs/BENCHMARKS.md,
   * "Overload"): {@code OVERLOAD_WRK_THREADS} (2) and {@code OVERLOAD_WRK_NICE} (0) set the flood's
   * threads and CPU priority; {@code OVERLOAD_FLOOD=live} floods {@code /health/live}, the cheapest
   * route, instead of searches, which gives the floor of the HTTP stack.
   */
  private static String setting(String name, String otherwise) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? otherwise : value.strip();
  }

  private static String lookup(long i) {
    return "/api/v1/restaurants/" + (i % HOT_IDS + 1);
  }

  private static boolean lookupsAllServed(Map<Integer, StatusProbe.Latencies> byStatus) {
    return byStatus.keySet().stream().allMatch(s -> s == 200);
  }

  private static void require(Map<Integer, StatusProbe.Latencies> byStatus, String what) {
    if (!lookupsAllServed(byStatus)) {
      throw new IllegalStateException(what + ": not every lookup answered 200: " + StatusProbe.toJson(byStatus));
    }
  }

  private static JsonObject summary(int port) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/metrics/summary"))
        .header("Authorization", "Bearer " + NodeProcess.METRICS_TOKEN).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    return response.statusCode() == 200 ? new JsonObject(response.body()) : new JsonObject();
  }

  /**
   * The wrk script of the flood: half searches for two words of the data set's names, half 50 km
   * radius reads around its restaurants; each thread counts its answers by status.
   */
  static String floodScript(Pool db) throws Exception {
    TreeSet<String> words = new TreeSet<>();
    List<String> centres = new ArrayList<>();
    for (Row row : db.query("SELECT name, latitude, longitude FROM restaurants ORDER BY id LIMIT 200").execute()
        .await(1, TimeUnit.MINUTES)) {
      for (String word : row.getString("name").toLowerCase(Locale.ROOT).split("[^a-z]+")) {
        if (word.length() >= 3) {
          words.add(word);
        }
      }
      centres.add(String.format(Locale.ROOT, "{%.5f, %.5f}", row.getDouble("latitude"), row.getDouble("longitude")));
    }
    JsonArray terms = new JsonArray(new ArrayList<>(words));
    return """
        local terms = {TERMS}
        local centres = {CENTRES}
        local threads = {}
        function setup(thread)
          thread:set("seed", #threads + 1)
          table.insert(threads, thread)
        end
        function init(args)
          math.randomseed(seed * 104729)
          ok, busy, other = 0, 0, 0
        end
        function request()
          if FLOOD_LIVE then return wrk.format("GET", "/health/live") end
          if math.random() < 0.5 then
            local q = terms[math.random(#terms)] .. "+" .. terms[math.random(#terms)]
            return wrk.format("GET", "/api/v1/restaurants/search?q=" .. q .. "&limit=20")
          end
          local c = centres[math.random(#centres)]
          local lat = c[1] + (math.random() - 0.5) * 0.1
          local lng = c[2] + (math.random() - 0.5) * 0.1
          return wrk.format("GET", string.format("/api/v1/restaurants?lat=%.5f&lng=%.5f&radius_km=50&limit=50", lat, lng))
        end
        function response(status, headers, body)
          if status == 200 then ok = ok + 1 elseif status == 429 then busy = busy + 1 else other = other + 1 end
        end
        function done(summary, latency, requests)
          local o, b, x = 0, 0, 0
          for _, t in ipairs(threads) do
            o = o + t:get("ok"); b = b + t:get("busy"); x = x + t:get("other")
          end
          io.write(string.format("STATUS ok=%d busy=%d other=%d timeouts=%d\\n", o, b, x, summary.errors.timeout))
        end
        """.replace("TERMS", terms.encode().substring(1, terms.encode().length() - 1))
        .replace("CENTRES", String.join(", ", centres))
        .replace("FLOOD_LIVE", Boolean.toString(setting("OVERLOAD_FLOOD", "searches").equals("live")));
  }
}
