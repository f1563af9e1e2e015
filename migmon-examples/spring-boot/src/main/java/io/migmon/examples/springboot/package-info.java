/** A Spring Boot 4 application using migmon-spring-boot-starter (see docs/spring-boot.md). */
package io.migmon.examples.springboot;
