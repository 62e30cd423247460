/** A pool's price over time (recharts), from the engine's price stream. */
import { Box, Typography } from "@mui/material";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatPrice } from "@/lib/format";
import type { PricePoint } from "@/lib/ws/topics";

export function PriceChart({ points, label }: { points: readonly PricePoint[]; label: string }) {
  if (points.length === 0) {
    return <Typography color="text.secondary">No price received for {label} yet.</Typography>;
  }
  return (
    <Box sx={{ width: "100%", height: 280 }} data-testid="price-chart">
      <ResponsiveContainer>
        <LineChart data={[...points]} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" opacity={0.3} />
          <XAxis
            dataKey="t"
            type="number"
            domain={["dataMin", "dataMax"]}
            scale="time"
            tickFormatter={(t: number) => new Date(t).toLocaleTimeString()}
          />
          <YAxis domain={["auto", "auto"]} tickFormatter={(v: number) => formatPrice(v)} width={90} />
          <Tooltip labelFormatter={(t) => new Date(Number(t)).toLocaleTimeString()} formatter={(v) => formatPrice(Number(v))} />
          <Line type="stepAfter" dataKey="price" stroke="#4fc3f7" dot={false} isAnimationActive={false} name={label} />
        </LineChart>
      </ResponsiveContainer>
    </Box>
  );
}
