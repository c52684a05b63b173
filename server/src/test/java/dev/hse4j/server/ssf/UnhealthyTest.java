package dev.hse4j.server.ssf;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.hse4j.server.config.HealthConfig;
import dev.hse4j.server.testing.TestServer;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HSE_REQ_REPORT_UNHEALTHY: on the status document, and readiness as the flag says. */
class UnhealthyTest {

    @TempDir
    Path tmp;

    @Test
    void aReportIsShownAndTakesTheNodeOutOfRotationWhenTheFlagSaysSo() throws Exception {
        try (TestServer server = SsfTesting.start(tmp, b -> b.health(new HealthConfig(true)))) {
            server.given().get("/hse/status.json").then()
                    .body("health.ready", equalTo(true))
                    .body("extensions.find { it.name == 'ssf' }.unhealthy", nullValue());
            server.given().get("/hse/ready").then().statusCode(200);
            server.given().queryParam("op", "unhealthy").queryParam("reason", "database\r\npool exhausted")
                    .get("/ext/ssf").then().statusCode(200).body(equalTo("reported"));
            server.given().get("/hse/status.json").then()
                    .body("health.ready", equalTo(false))
                    .body("health.unhealthyFailsReadiness", equalTo(true))
                    .body("health.unhealthy", hasItem("ssf"))
                    .body("extensions.find { it.name == 'ssf' }.unhealthy.reason", equalTo("database__pool exhausted"))
                    .body("extensions.find { it.name == 'ssf' }.unhealthy.at", notNullValue())
                    .body("extensions.find { it.name == 'ssf' }.unhealthy.reports", equalTo(1));
            // The balancer's check (issue 13's /hse/ready) takes the node out.
            server.given().get("/hse/ready").then().statusCode(503).body(equalTo("unhealthy\n"));
            // Requests are still served.
            server.given().queryParam("op", "ssf").queryParam("code", "1030").get("/ext/ssf").then()
                    .statusCode(200).body(equalTo("ok 0"));
        }
    }

    @Test
    void withoutTheFlagTheNodeStaysReady() throws Exception {
        try (TestServer server = SsfTesting.start(tmp, b -> b)) {
            server.given().queryParam("op", "unhealthy").get("/ext/ssf").then().statusCode(200);
            server.given().get("/hse/status.json").then()
                    .body("health.ready", equalTo(true))
                    .body("health.unhealthy", hasItem("ssf"))
                    .body("extensions.find { it.name == 'ssf' }.unhealthy.reason", equalTo(""));
            server.given().get("/hse/ready").then().statusCode(200);
        }
    }
}
