package io.consolidb.demo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Deterministic demo restaurants clustered around real city centres ({@link City}, listed in
 * {@code demo/cities.csv}), for development and benchmarks (README "Schema and data": 10k rows by default, 1M
 * on request). {@link DemoDataSeeder} inserts them into the database.
 *
 * <p>The same seed always gives the same rows in the same order, on any JVM: the generator
 * draws only {@link SplittableRandom#nextLong()} (SplitMix64, fixed by its specification) and
 * derives everything else with {@link StrictMath}. Row {@code i} depends on the seed and on
 * {@code i}, not on how the rows are chunked. The benchmarks rely on that: changing the order of
 * the draws in {@link Rows} or the cities file changes every data set, and
 * {@code DemoDataGeneratorTest} pins the rows of the default seed.
 */
public final class DemoDataGenerator {

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
    return Cities.all();
  }

  /**
   * The first {@code count} rows for {@code seed}, in memory; for tests and small tools
   * ({@link DemoDataSeeder} streams instead).
   */
  public static List<Restaurant> generate(int count, long seed) {
    checkCount(count);
    Rows rows = rows(seed);
    List<Restaurant> list = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      list.add(rows.next());
    }
    return Collections.unmodifiableList(list);
  }

  /** The row sequence for {@code seed}, from its first row. */
  static Rows rows(long seed) {
    return new Rows(seed);
  }

  static void checkCount(int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, got " + count);
    }
  }

  /** The row sequence for one seed. Not thread-safe. */
  static final class Rows {

    private static final double KM_PER_DEGREE_LATITUDE = 111.32;

    private final SplittableRandom random;

    private Rows(long seed) {
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
      int n = below(Cities.totalWeight());
      for (City c : Cities.all()) {
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
