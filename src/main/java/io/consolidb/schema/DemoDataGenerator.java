package io.consolidb.schema;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Deterministic demo restaurants clustered around real city centres, for development and
 * benchmarks (DESIGN.md §7: 10k rows by default, 1M on request).
 *
 * <p>The same seed always gives the same rows in the same order, on any JVM: the generator
 * draws only {@link SplittableRandom#nextLong()} (SplitMix64, fixed by its specification) and
 * derives everything else with {@link StrictMath}. Row {@code i} depends on the seed and on
 * {@code i}, not on how the rows are chunked.
 *
 * <p>Rows are inserted in chunks of {@value #CHUNK_SIZE}, one statement per chunk
 * ({@code INSERT ... SELECT FROM unnest($1::text[], ...)}: one round trip and one plan per
 * chunk, measured 2.6 to 3 times as fast as {@code executeBatch} of single-row inserts;
 * see {@code DemoDataSeedBenchmark}). Chunks run one
 * after another and at most two are in memory (the next is built on a worker thread while the
 * previous one is being inserted), so a million rows need no more memory than ten thousand,
 * and the event loop only sends.
 */
public final class DemoDataGenerator {

  /**
   * Rows per INSERT statement. 1000 to 20000 measured within noise of one another
   * ({@code DemoDataSeedBenchmark}: the database's index maintenance dominates); 5000 keeps a
   * chunk's arrays around a megabyte.
   */
  public static final int CHUNK_SIZE = 5_000;

  /** The default number of demo rows (development environment). */
  public static final int DEFAULT_COUNT = 10_000;

  /**
   * A generated restaurant: a value for each column a client may write, in the order the
   * restaurant service's INSERT takes them.
   */
  public record Restaurant(String name, String address, String city, String state,
      String postalCode, String phone, String website, String kosherCategory,
      String certifyingAgency, String hoursJson, Short priceRange, Double rating, String status,
      double latitude, double longitude) {
  }

  /**
   * A city the generator places restaurants around.
   *
   * @param spreadKm standard deviation of the distance from the centre; no restaurant is placed
   *     farther than {@link #maxDistanceKm()}
   */
  public record City(String name, String state, String country, double latitude,
      double longitude, double spreadKm, int weight, List<String> streets,
      List<String> postalPatterns, List<String> phonePatterns, List<String> agencies) {

    /** The farthest a generated restaurant lies from the centre. */
    public double maxDistanceKm() {
      return 3 * spreadKm;
    }
  }

  private static final String INSERT_SQL =
      "INSERT INTO restaurants (name, address, city, state, postal_code, phone, website,"
          + " kosher_category, certifying_agency, hours, price_range, rating, status, latitude,"
          + " longitude)"
          + " SELECT name, address, city, state, postal_code, phone, website, kosher_category,"
          + " certifying_agency, hours::jsonb, price_range, rating::numeric(2,1), status,"
          + " latitude, longitude"
          + " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],"
          + " $7::text[], $8::text[], $9::text[], $10::text[], $11::int2[], $12::float8[],"
          + " $13::text[], $14::float8[], $15::float8[])"
          + " WITH ORDINALITY AS t(name, address, city, state, postal_code, phone, website,"
          + " kosher_category, certifying_agency, hours, price_range, rating, status,"
          + " latitude, longitude, ord)"
          // keeps identity ids in generation order, so equal seeds give equal (id, row) pairs
          + " ORDER BY ord";

  /** Serialises concurrent seedIfEmpty calls on one schema (several nodes starting at once). */
  private static final String LOCK_SQL =
      "SELECT pg_advisory_xact_lock(hashtext('consolidb.demo-seed.' || current_schema()))";

  private static final List<City> CITIES = List.of(
      city("New York", "NY", "US", 40.7128, -74.0060, 3.0, 14,
          List.of("Broadway", "Lexington Ave", "Madison Ave", "W 72nd St", "Amsterdam Ave",
              "E 46th St", "2nd Ave", "W 47th St", "Columbus Ave", "Essex St"),
          List.of("1000#", "1001#", "1002#", "1006#", "1012#"),
          List.of("(212) 555-01##", "(646) 555-01##"),
          List.of("OU", "OK Kosher", "Kof-K", "Star-K")),
      city("Brooklyn", "NY", "US", 40.6782, -73.9442, 3.5, 14,
          List.of("Avenue J", "Kings Hwy", "Coney Island Ave", "13th Ave", "Ocean Pkwy",
              "Kingston Ave", "Avenue M", "18th Ave", "Nostrand Ave", "Church Ave"),
          List.of("11204", "11210", "11213", "11219", "11223", "11229", "11230"),
          List.of("(718) 555-01##", "(347) 555-01##"),
          List.of("OU", "OK Kosher", "Vaad of Flatbush", "CHK")),
      city("Los Angeles", "CA", "US", 34.0522, -118.2437, 6.0, 9,
          List.of("Pico Blvd", "La Brea Ave", "Beverly Blvd", "Fairfax Ave", "Robertson Blvd",
              "Ventura Blvd", "Burbank Blvd", "Melrose Ave"),
          List.of("90035", "90036", "90048", "90019", "91601", "90211"),
          List.of("(310) 555-01##", "(323) 555-01##", "(818) 555-01##"),
          List.of("Kehilla Kosher", "RCC", "OU")),
      city("Miami", "FL", "US", 25.7617, -80.1918, 5.0, 6,
          List.of("Collins Ave", "Biscayne Blvd", "41st St", "NE 163rd St", "Alton Rd",
              "Harding Ave"),
          List.of("33139", "33140", "33154", "33160", "33179"),
          List.of("(305) 555-01##", "(786) 555-01##"),
          List.of("ORB", "Kosher Miami", "OU")),
      city("Boca Raton", "FL", "US", 26.3683, -80.1289, 4.0, 4,
          List.of("Glades Rd", "Palmetto Park Rd", "N Federal Hwy", "Powerline Rd",
              "Clint Moore Rd"),
          List.of("33431", "33432", "33433", "33434", "33487", "33496"),
          List.of("(561) 555-01##"),
          List.of("ORB", "OU")),
      city("Chicago", "IL", "US", 41.8781, -87.6298, 6.0, 6,
          List.of("Devon Ave", "Touhy Ave", "N California Ave", "Dempster St", "Howard St",
              "N Clark St"),
          List.of("60645", "60659", "60626", "60076", "60603"),
          List.of("(312) 555-01##", "(773) 555-01##", "(847) 555-01##"),
          List.of("cRc", "OU")),
      city("Baltimore", "MD", "US", 39.2904, -76.6122, 4.0, 4,
          List.of("Reisterstown Rd", "Park Heights Ave", "Smith Ave", "Old Court Rd",
              "Greenspring Ave"),
          List.of("21208", "21209", "21215", "21201"),
          List.of("(410) 555-01##", "(443) 555-01##"),
          List.of("Star-K")),
      city("Teaneck", "NJ", "US", 40.8976, -74.0160, 2.0, 3,
          List.of("Cedar Ln", "Queen Anne Rd", "Teaneck Rd", "Palisade Ave",
              "W Englewood Ave"),
          List.of("07666"),
          List.of("(201) 555-01##"),
          List.of("RCBC", "OU")),
      city("Lakewood", "NJ", "US", 40.0821, -74.2097, 3.0, 4,
          List.of("Clifton Ave", "Route 9", "Forest Ave", "County Line Rd", "14th St",
              "Madison Ave"),
          List.of("08701"),
          List.of("(732) 555-01##"),
          List.of("KCL", "OU", "Star-K")),
      city("Toronto", "ON", "CA", 43.6532, -79.3832, 6.0, 6,
          List.of("Bathurst St", "Eglinton Ave W", "Wilson Ave", "Lawrence Ave W",
              "Steeles Ave W", "Yonge St"),
          List.of("M5N #@#", "M6A #@#", "M6B #@#", "M2R #@#", "M3H #@#"),
          List.of("(416) 555-01##", "(647) 555-01##"),
          List.of("COR")),
      city("Montreal", "QC", "CA", 45.5017, -73.5673, 5.0, 4,
          List.of("Queen Mary Rd", "Van Horne Ave", "Bernard Ave", "Victoria Ave",
              "Decarie Blvd", "Cote-Sainte-Catherine Rd"),
          List.of("H3W #@#", "H4W #@#", "H2V #@#", "H3S #@#"),
          List.of("(514) 555-01##"),
          List.of("MK")),
      city("London", "England", "GB", 51.5074, -0.1278, 8.0, 6,
          List.of("Golders Green Rd", "Brent St", "Edgware Rd", "Finchley Rd", "Stamford Hill",
              "Temple Fortune Ln"),
          List.of("NW11 #@@", "NW4 #@@", "N16 #@@", "HA8 #@@"),
          List.of("+44 20 8### ####", "+44 20 7### ####"),
          List.of("KLBD", "Kedassia", "Sephardi Kashrut Authority")),
      city("Jerusalem", "Jerusalem District", "IL", 31.7683, 35.2137, 3.0, 8,
          List.of("Jaffa St", "Ben Yehuda St", "Emek Refaim St", "King George St",
              "Agrippas St", "Keren Hayesod St", "Hillel St"),
          List.of("9######"),
          List.of("+972 2-5##-####", "+972 2-6##-####"),
          List.of("Rabbanut Yerushalayim", "Badatz Eida Chareidis", "Rabbanut Mehadrin")),
      city("Tel Aviv", "Tel Aviv District", "IL", 32.0853, 34.7818, 3.0, 6,
          List.of("Dizengoff St", "Ibn Gabirol St", "Allenby St", "Rothschild Blvd",
              "Ben Yehuda St", "Sheinkin St"),
          List.of("6######"),
          List.of("+972 3-5##-####", "+972 3-6##-####"),
          List.of("Rabbanut Tel Aviv", "Rabbanut Mehadrin")));

  private static final int TOTAL_WEIGHT = CITIES.stream().mapToInt(City::weight).sum();

  private static final List<String> PREFIXES = List.of(
      "Shalom", "Golden", "King David", "Jerusalem", "Milk & Honey", "Olive Tree", "Sababa",
      "Carmel", "Galil", "Ben's", "Moishe's", "Yossi's", "Bubbe's", "Zaidy's", "Mazal",
      "Simcha", "Oasis", "Cedar", "Royal", "Taam", "Eden", "Negev", "Chai", "Mendy's", "Avi's",
      "Sarah's", "Noa", "Harbor", "Main Street", "Central", "Urban", "Garden", "Blue Fig",
      "Pomegranate", "Saffron", "Za'atar", "Etrog", "Sabra", "Kinneret", "Hadar", "Tov",
      "Shefa", "Lechaim", "Haifa", "Dizengoff", "Corner", "Village", "Brick Oven", "Silver");

  private static final List<String> CATEGORIES = List.of("meat", "dairy", "pareve", "fish");
  /** Weights of {@link #CATEGORIES}, in percent. */
  private static final int[] CATEGORY_WEIGHTS = {35, 35, 15, 15};

  private static final List<List<String>> KINDS = List.of(
      List.of("Grill", "Steakhouse", "Deli", "Shawarma", "BBQ", "Burger Bar", "Rotisserie",
          "Kebab House", "Schnitzel"),
      List.of("Pizza", "Pizzeria", "Bagels", "Cafe", "Dairy Restaurant", "Bistro", "Ice Cream",
          "Pasta Bar", "Creamery"),
      List.of("Bakery", "Falafel", "Vegan Kitchen", "Juice Bar", "Salad Bar", "Noodle House",
          "Chocolatier"),
      List.of("Sushi", "Fish House", "Poke", "Sushi Bar", "Fish Grill"));

  private static final List<String> SUFFIXES = List.of("Express", "To Go", "Plus", "Too");

  private static final String[] DAYS = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

  private DemoDataGenerator() {
  }

  /** The cities rows are placed around, with their centres. */
  public static List<City> cities() {
    return CITIES;
  }

  /**
   * The first {@code count} rows for {@code seed}, in memory; for tests and small tools
   * ({@link #seed} streams instead).
   */
  public static List<Restaurant> generate(int count, long seed) {
    checkCount(count);
    Rows rows = new Rows(seed);
    List<Restaurant> list = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      list.add(rows.next());
    }
    return Collections.unmodifiableList(list);
  }

  /**
   * Inserts {@code count} generated rows into {@code restaurants} (whatever is already there
   * stays), then runs ANALYZE so the planner sees them at once.
   *
   * @return the number of rows inserted
   */
  public static Future<Integer> seed(Pool pool, int count, long seed) {
    return seed(pool, count, seed, CHUNK_SIZE);
  }

  /** {@link #seed(Pool, int, long)} with another chunk size, for the seeding benchmark. */
  static Future<Integer> seed(Pool pool, int count, long seed, int chunkSize) {
    Objects.requireNonNull(pool, "pool");
    checkCount(count);
    if (chunkSize < 1) {
      throw new IllegalArgumentException("chunkSize must be >= 1, got " + chunkSize);
    }
    return insertAll(pool, count, seed, chunkSize)
        .compose(inserted -> pool.query("ANALYZE restaurants").execute().map(inserted));
  }

  /**
   * Seeds {@code count} rows when {@code restaurants} is empty, all in one transaction; does
   * nothing otherwise. Nodes starting at once are safe: a transaction-scoped advisory lock lets
   * one of them seed, and the others then find the table filled.
   *
   * @return true when this call seeded, false when the table already had rows
   */
  public static Future<Boolean> seedIfEmpty(Pool pool, int count, long seed) {
    Objects.requireNonNull(pool, "pool");
    checkCount(count);
    return pool.withTransaction(conn -> conn.query(LOCK_SQL).execute()
        .compose(locked -> conn.query("SELECT EXISTS (SELECT 1 FROM restaurants)").execute())
        .compose(rows -> {
          if (rows.iterator().next().getBoolean(0)) {
            return Future.succeededFuture(false);
          }
          return insertAll(conn, count, seed, CHUNK_SIZE)
              .compose(inserted -> conn.query("ANALYZE restaurants").execute())
              .map(true);
        }));
  }

  private static void checkCount(int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, got " + count);
    }
  }

  private static Future<Integer> insertAll(SqlClient client, int count, long seed,
      int chunkSize) {
    Rows rows = new Rows(seed);
    return build(rows, Math.min(count, chunkSize))
        .compose(first -> insertFrom(client, rows, first, count, 0, chunkSize));
  }

  /** Sends {@code current}, builds the next chunk while the database works on it, repeats. */
  private static Future<Integer> insertFrom(SqlClient client, Rows rows, Tuple current,
      int count, int sent, int chunkSize) {
    if (current == null) {
      return Future.succeededFuture(sent);
    }
    int size = ((String[]) current.getValue(0)).length;
    Future<?> inserted = client.preparedQuery(INSERT_SQL).execute(current);
    int remaining = count - sent - size;
    Future<Tuple> next = build(rows, Math.min(remaining, chunkSize));
    // one chunk is built at a time, and each build starts after the previous one completed:
    // Rows is only ever used by one thread at a time, with a happens-before edge in between
    return Future.all(inserted, next)
        .compose(done -> insertFrom(client, rows, next.result(), count, sent + size, chunkSize));
  }

  /**
   * Builds a chunk on a worker thread when called on a Vert.x context (building takes ~3 µs a
   * row, too long for an event loop), else on the calling thread.
   */
  private static Future<Tuple> build(Rows rows, int size) {
    if (size <= 0) {
      return Future.succeededFuture(null);
    }
    Context context = Vertx.currentContext();
    if (context == null) {
      return Future.succeededFuture(chunk(rows, size));
    }
    return context.executeBlocking(() -> chunk(rows, size));
  }

  /** The next {@code size} rows as the 15 column arrays of {@link #INSERT_SQL}. */
  private static Tuple chunk(Rows rows, int size) {
    String[] name = new String[size];
    String[] address = new String[size];
    String[] city = new String[size];
    String[] state = new String[size];
    String[] postalCode = new String[size];
    String[] phone = new String[size];
    String[] website = new String[size];
    String[] category = new String[size];
    String[] agency = new String[size];
    String[] hours = new String[size];
    Short[] price = new Short[size];
    Double[] rating = new Double[size];
    String[] status = new String[size];
    Double[] latitude = new Double[size];
    Double[] longitude = new Double[size];
    for (int i = 0; i < size; i++) {
      Restaurant r = rows.next();
      name[i] = r.name();
      address[i] = r.address();
      city[i] = r.city();
      state[i] = r.state();
      postalCode[i] = r.postalCode();
      phone[i] = r.phone();
      website[i] = r.website();
      category[i] = r.kosherCategory();
      agency[i] = r.certifyingAgency();
      hours[i] = r.hoursJson();
      price[i] = r.priceRange();
      rating[i] = r.rating();
      status[i] = r.status();
      latitude[i] = r.latitude();
      longitude[i] = r.longitude();
    }
    return Tuple.of(name, address, city, state, postalCode, phone, website, category, agency,
        hours, price, rating, status, latitude, longitude);
  }

  private static City city(String name, String state, String country, double latitude,
      double longitude, double spreadKm, int weight, List<String> streets,
      List<String> postalPatterns, List<String> phonePatterns, List<String> agencies) {
    return new City(name, state, country, latitude, longitude, spreadKm, weight, streets,
        postalPatterns, phonePatterns, agencies);
  }

  /** The row sequence for one seed. Not thread-safe. */
  private static final class Rows {

    private static final double KM_PER_DEGREE_LATITUDE = 111.32;

    private final SplittableRandom random;

    Rows(long seed) {
      this.random = new SplittableRandom(seed);
    }

    Restaurant next() {
      City city = weightedCity();
      int categoryIndex = weighted(CATEGORY_WEIGHTS);
      String category = CATEGORIES.get(categoryIndex);
      String kind = pick(KINDS.get(categoryIndex));
      String name = name(city, kind);

      // Gaussian offset around the centre, cut off at 3 sigma (no restaurants in the sea
      // twenty kilometres out).
      double distanceKm;
      do {
        distanceKm = StrictMath.abs(gaussian()) * city.spreadKm();
      } while (distanceKm > city.maxDistanceKm());
      double bearing = unit() * 2 * StrictMath.PI;
      double latitude = city.latitude()
          + distanceKm * StrictMath.cos(bearing) / KM_PER_DEGREE_LATITUDE;
      double longitude = city.longitude() + distanceKm * StrictMath.sin(bearing)
          / (KM_PER_DEGREE_LATITUDE * StrictMath.cos(StrictMath.toRadians(city.latitude())));

      String address = address(city);
      String postalCode = pattern(pick(city.postalPatterns()));
      String phone = unit() < 0.95 ? pattern(pick(city.phonePatterns())) : null;
      String website = unit() < 0.75 ? website(name, city) : null;
      String agency = unit() < 0.97 ? pick(city.agencies()) : null;
      String hours = hours();
      short price = (short) (1 + weighted(new int[] {25, 40, 25, 10}));
      if (kind.equals("Steakhouse") && price < 4) {
        price++;
      }
      Double rating = unit() < 0.95
          ? StrictMath.round((2.5 + 2.5 * StrictMath.sqrt(unit())) * 10) / 10.0
          : null;
      double s = unit();
      String status = s < 0.92 ? "open" : s < 0.97 ? "temporarily_closed" : "closed";
      return new Restaurant(name, address, city.name(), city.state(), postalCode, phone,
          website, category, agency, hours, price, rating, status,
          round6(latitude), round6(longitude));
    }

    private String name(City city, String kind) {
      double form = unit();
      String prefix = pick(PREFIXES);
      if (form < 0.60) {
        return prefix + " " + kind;
      } else if (form < 0.72) {
        return city.name() + " " + kind;
      } else if (form < 0.82) {
        return "The " + prefix + " " + kind;
      } else if (form < 0.92) {
        return prefix + " " + kind + " " + pick(SUFFIXES);
      } else {
        return prefix + " " + kind + " of " + city.name();
      }
    }

    private String address(City city) {
      String street = pick(city.streets());
      return switch (city.country()) {
        case "IL" -> street + " " + (1 + below(120));
        case "GB" -> (1 + below(250)) + " " + street;
        default -> (1 + below(4999)) + " " + street;
      };
    }

    private String website(String name, City city) {
      StringBuilder slug = new StringBuilder();
      for (char c : name.toLowerCase(Locale.ROOT).toCharArray()) {
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
          slug.append(c);
        }
      }
      String tld = switch (city.country()) {
        case "CA" -> ".ca";
        case "GB" -> ".co.uk";
        case "IL" -> ".co.il";
        default -> ".com";
      };
      return "https://www." + slug + tld;
    }

    /** Opening hours as a JSON object, sun..sat; null means closed (Shabbat, mostly). */
    private String hours() {
      int open = 7 + below(5);
      int close = 20 + below(4);
      int fridayClose = 13 + below(3);
      boolean motzeiShabbat = unit() < 0.25;
      boolean closedSunday = unit() < 0.05;
      StringBuilder json = new StringBuilder(160).append('{');
      for (int d = 0; d < DAYS.length; d++) {
        if (d > 0) {
          json.append(',');
        }
        json.append('"').append(DAYS[d]).append("\":");
        if (d == 6) {
          json.append(motzeiShabbat ? "\"20:30-01:00\"" : "null");
        } else if (d == 0 && closedSunday) {
          json.append("null");
        } else if (d == 5) {
          json.append('"').append(hhmm(open)).append('-').append(hhmm(fridayClose)).append('"');
        } else {
          json.append('"').append(hhmm(open)).append('-').append(hhmm(close)).append('"');
        }
      }
      return json.append('}').toString();
    }

    /** Replaces '#' with a digit and '@' with an upper-case letter. */
    private String pattern(String pattern) {
      char[] out = pattern.toCharArray();
      for (int i = 0; i < out.length; i++) {
        if (out[i] == '#') {
          out[i] = (char) ('0' + below(10));
        } else if (out[i] == '@') {
          out[i] = (char) ('A' + below(26));
        }
      }
      return new String(out);
    }

    private City weightedCity() {
      int n = below(TOTAL_WEIGHT);
      for (City c : CITIES) {
        n -= c.weight();
        if (n < 0) {
          return c;
        }
      }
      throw new AssertionError("weights");
    }

    private int weighted(int[] weights) {
      int total = 0;
      for (int w : weights) {
        total += w;
      }
      int n = below(total);
      for (int i = 0; i < weights.length; i++) {
        n -= weights[i];
        if (n < 0) {
          return i;
        }
      }
      throw new AssertionError("weights");
    }

    private <T> T pick(List<T> list) {
      return list.get(below(list.size()));
    }

    /** Uniform in [0, 1) from the top 53 bits of SplitMix64. */
    private double unit() {
      return (random.nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, bound). */
    private int below(int bound) {
      return (int) (unit() * bound);
    }

    /** Standard normal (Box-Muller), with StrictMath so every JVM gives the same value. */
    private double gaussian() {
      double u1 = 1.0 - unit(); // (0, 1]: log stays finite
      double u2 = unit();
      return StrictMath.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * StrictMath.PI * u2);
    }

    private static String hhmm(int hour) {
      return (hour < 10 ? "0" : "") + hour + ":00";
    }

    private static double round6(double degrees) {
      return StrictMath.round(degrees * 1e6) / 1e6;
    }
  }
}
