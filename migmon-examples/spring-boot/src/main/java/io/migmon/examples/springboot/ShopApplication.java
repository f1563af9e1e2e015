package io.migmon.examples.springboot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot application observed by migmon with no migmon code: Boot's Flyway migrates the schema (recorded as
 * migration {@code flyway}), {@code /actuator/prometheus} serves migmon's meters, {@code /actuator/health} shows the
 * component {@code migmon}. {@link OrdersBackfill} is the only class that touches migmon, to run a backfill.
 *
 * <p>Run against a PostgreSQL: {@code SPRING_DATASOURCE_URL=jdbc:postgresql://localhost:5432/shop
 * SPRING_DATASOURCE_USERNAME=shop SPRING_DATASOURCE_PASSWORD=... java -jar migmon-examples-spring-boot.jar}, then
 * {@code curl -X POST localhost:8080/backfills/order-totals}.
 */
@SpringBootApplication
public class ShopApplication {

    public static void main(String[] args) {
        SpringApplication.run(ShopApplication.class, args);
    }
}
