package io.consolidb.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class CitiesTest {

  private static final String NEW_YORK = "New York,NY,US,40.7128,-74.006,3.0,14,Broadway|Essex St,"
      + "1000#|1001#,(212) 555-01##,OU|Star-K";

  @Test
  void all_readsTheResourceInOrder() {
    List<City> cities = Cities.all();

    assertThat(cities).hasSize(14);
    assertThat(cities).extracting(City::name).doesNotHaveDuplicates()
        .startsWith("New York", "Brooklyn").endsWith("Jerusalem", "Tel Aviv");
    City newYork = cities.get(0);
    assertThat(newYork.latitude()).isEqualTo(40.7128);
    assertThat(newYork.longitude()).isEqualTo(-74.0060);
    assertThat(newYork.streets()).hasSize(10).startsWith("Broadway");
    assertThat(Cities.totalWeight()).isEqualTo(cities.stream().mapToInt(City::weight).sum());
  }

  @Test
  void parse_skipsCommentsAndBlankLines_splitsLists() {
    assertThat(Cities.parse(List.of("# the cities", Cities.HEADER, "", NEW_YORK), "test"))
        .containsExactly(new City("New York", "NY", "US", 40.7128, -74.006, 3.0, 14,
            List.of("Broadway", "Essex St"), List.of("1000#", "1001#"), List.of("(212) 555-01##"),
            List.of("OU", "Star-K")));
  }

  @Test
  void parse_missingHeader_namesTheLine() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Cities.parse(List.of("# the cities", NEW_YORK), "cities.csv"));
    assertThat(e).hasMessageStartingWith("cities.csv:2: expected the header ");
  }

  @Test
  void parse_wrongColumnCount_namesTheLine() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Cities.parse(List.of(Cities.HEADER, "Nowhere,XX,US,1.0,2.0"), "cities.csv"));
    assertThat(e).hasMessage("cities.csv:2: expected 11 columns, got 5");
  }

  @Test
  void parse_badNumber_namesTheLine() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Cities.parse(List.of(Cities.HEADER, NEW_YORK.replace("40.7128", "north")), "cities.csv"));
    assertThat(e).hasMessageStartingWith("cities.csv:2: ");
  }

  @Test
  void parse_emptyListValue_refused() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Cities.parse(List.of(Cities.HEADER, NEW_YORK.replace("OU|Star-K", "OU|")), "cities.csv"));
    assertThat(e).hasMessage("cities.csv:2: a list column holds an empty value");
  }

  @Test
  void parse_noCities_refused() {
    assertThrows(IllegalStateException.class, () -> Cities.parse(List.of(Cities.HEADER), "cities.csv"));
  }
}
