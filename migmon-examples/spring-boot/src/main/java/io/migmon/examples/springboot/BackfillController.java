package io.migmon.examples.springboot;

import java.util.Map;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /backfills/order-totals} runs the backfill and answers the rows copied. */
@RestController
public class BackfillController {

    private final OrdersBackfill backfill;

    public BackfillController(OrdersBackfill backfill) {
        this.backfill = backfill;
    }

    @PostMapping("/backfills/order-totals")
    public Map<String, Long> run() {
        return Map.of("rows", backfill.copyOrderTotals());
    }
}
