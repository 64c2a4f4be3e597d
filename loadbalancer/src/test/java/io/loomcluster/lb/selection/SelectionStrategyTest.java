package io.loomcluster.lb.selection;

import io.loomcluster.lb.backend.Backend;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class SelectionStrategyTest {
    private final Backend a = new Backend(URI.create("http://a:1"));
    private final Backend b = new Backend(URI.create("http://b:1"));
    private final Backend c = new Backend(URI.create("http://c:1"));
    private final List<Backend> all = List.of(a, b, c);

    @Test
    void roundRobinTakesEachInTurn() {
        SelectionStrategy strategy = SelectionStrategy.named("round-robin");
        Map<Backend, Integer> counts = count(strategy, 300);
        assertThat(counts).containsOnly(Map.entry(a, 100), Map.entry(b, 100), Map.entry(c, 100));
        assertThat(IntStream.range(0, 3).mapToObj(i -> strategy.select(all)).distinct()).hasSize(3);
    }

    @Test
    void everyStrategyPicksOneOfTheCandidatesAndNoneFromAnEmptyList() {
        for (String name : SelectionStrategy.NAMES) {
            SelectionStrategy strategy = SelectionStrategy.named(name);
            for (int i = 0; i < 50; i++) {
                assertThat(strategy.select(List.of(a, c))).as(name).isIn(a, c);
            }
            assertThat(strategy.select(List.of(a))).as(name).isSameAs(a);
            assertThat(strategy.select(List.of())).as(name).isNull();
        }
    }

    @Test
    void leastRequestsPicksTheLeastLoadedAndSharesTies() {
        SelectionStrategy strategy = SelectionStrategy.named("least-requests");
        load(a, 3);
        load(b, 1);
        load(c, 2);
        assertThat(strategy.select(all)).isSameAs(b);
        load(b, 1);
        assertThat(count(strategy, 10)).containsOnlyKeys(b, c);
    }

    @Test
    void powerOfTwoChoicesNeverPicksTheMostLoadedOfThree() {
        SelectionStrategy strategy = SelectionStrategy.named("p2c");
        load(a, 5);
        load(b, 1);
        load(c, 2);
        assertThat(count(strategy, 200)).doesNotContainKey(a).containsKeys(b, c);
    }

    private Map<Backend, Integer> count(SelectionStrategy strategy, int n) {
        Map<Backend, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            counts.merge(strategy.select(all), 1, Integer::sum);
        }
        return counts;
    }

    private static void load(Backend backend, int requests) {
        for (int i = 0; i < requests; i++) {
            backend.begin();
        }
    }
}
