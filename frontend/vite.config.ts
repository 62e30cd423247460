/// <reference types="vitest/config" />
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The gateway during `npm run dev` (same origin through the proxy, so the refresh
// cookie and the WebSocket's Origin check behave as when the gateway serves dist/).
const gateway = process.env.ARBX_GATEWAY_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
  server: {
    proxy: {
      "/api": { target: gateway, changeOrigin: false },
      "/ws": { target: gateway.replace(/^http/, "ws"), ws: true },
      "/ready": gateway,
      "/health": gateway,
    },
  },
  build: {
    outDir: "dist",
    sourcemap: true,
    chunkSizeWarningLimit: 900,
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
  },
});
