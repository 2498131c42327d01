package io.consolidb.http;

import java.util.Comparator;
import java.util.List;

/**
 * The restaurants the end-to-end tests seed, with coordinates chosen so that distances, city
 * pages and search hits are known in advance. Ids follow the list order (1, 2, …) because the
 * table is truncated with {@code RESTART IDENTITY} before seeding.
 */
public final class KnownRestaurants {

  /** One seeded row. */
  public record Seed(String name, String address, String city, String state, String kosherCategory,
      Integer priceRange, Double rating, double latitude, double longitude) {

    /** Great-circle distance in km on the sphere PostgreSQL's earthdistance uses. */
    public double distanceKmFrom(double lat, double lng) {
      return greatCircleKm(lat, lng, latitude, longitude);
    }
  }

  /** Times Square, the centre of the radius searches. */
  public static final double CENTRE_LAT = 40.7580;
  public static final double CENTRE_LNG = -73.9855;

  public static final List<Seed> ALL = List.of(
      new Seed("Times Square Deli", "1 Times Sq", "New York", "NY", "meat", 2, 4.5, 40.7580, -73.9855),
      new Seed("Bryant Park Grill", "25 W 40th St", "New York", "NY", "dairy", 3, 4.2, 40.7536, -73.9832),
      new Seed("Empire Bagels", "350 5th Ave", "New York", "NY", "dairy", 1, 3.9, 40.7484, -73.9857),
      new Seed("Union Square Pizza", "10 Union Sq E", "New York", "NY", "dairy", 1, 4.0, 40.7359, -73.9911),
      // lower-case city on purpose: the by-city listing matches case-insensitively
      new Seed("Hudson Yards Kosher", "20 Hudson Yards", "new york", "NY", "meat", 4, 4.7, 40.7538, -74.0020),
      new Seed("Brooklyn Kosher Grill", "100 Flatbush Ave", "Brooklyn", "NY", "meat", 2, 4.1, 40.6782, -73.9442),
      new Seed("Miami Beach Falafel", "1500 Collins Ave", "Miami", "FL", "pareve", 1, 4.4, 25.7907, -80.1300),
      new Seed("Chicago Deep Dish", "1 Wacker Dr", "Chicago", "IL", "dairy", 2, 3.5, 41.8781, -87.6298));

  /** The radius that holds the five Manhattan rows and not Brooklyn (about 9 km away). */
  public static final double MANHATTAN_RADIUS_KM = 3.0;

  /** The id of a seed (ids follow the list order, from 1). */
  public static long id(Seed seed) {
    return ALL.indexOf(seed) + 1L;
  }

  public static Seed byName(String name) {
    return ALL.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  /** Seeds within {@code radiusKm} of the centre, nearest first. */
  public static List<Seed> near(double radiusKm) {
    return ALL.stream()
        .filter(s -> s.distanceKmFrom(CENTRE_LAT, CENTRE_LNG) <= radiusKm)
        .sorted(Comparator.comparingDouble(s -> s.distanceKmFrom(CENTRE_LAT, CENTRE_LNG)))
        .toList();
  }

  /** New York's restaurants (any case), ordered by name as the listing pages are. */
  public static List<String> newYorkNames() {
    return ALL.stream().filter(s -> s.city().equalsIgnoreCase("new york")).map(Seed::name).sorted().toList();
  }

  /** earthdistance's earth() radius, in km. */
  private static final double EARTH_RADIUS_KM = 6378.168;

  static double greatCircleKm(double lat1, double lng1, double lat2, double lng2) {
    double p1 = Math.toRadians(lat1);
    double p2 = Math.toRadians(lat2);
    double dp = p2 - p1;
    double dl = Math.toRadians(lng2 - lng1);
    double h = Math.sin(dp / 2) * Math.sin(dp / 2) + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) * Math.sin(dl / 2);
    return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  private KnownRestaurants() {
  }
}
