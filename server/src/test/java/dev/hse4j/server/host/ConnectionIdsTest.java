package dev.hse4j.server.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

/** ECB connection IDs drawn from stripes by many threads at once are all different and never 0. */
class ConnectionIdsTest {

    @Test
    void idsFromManyThreadsAreUniqueAndPositive() throws Exception {
        ConnectionIds ids = new ConnectionIds();
        Set<Long> seen = ConcurrentHashMap.newKeySet();
        int threads = 20; // more than the stripes: threads share stripes too
        int each = 5_000;
        Thread[] t = new Thread[threads];
        for (int k = 0; k < threads; k++) {
            t[k] = new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    long id = ids.next();
                    assertTrue(id > 0, "id " + id);
                    seen.add(id);
                }
            });
            t[k].start();
        }
        for (Thread x : t) {
            x.join();
        }
        assertEquals(threads * each, seen.size(), "every id handed out once");
    }
}
