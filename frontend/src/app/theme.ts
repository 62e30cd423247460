import { createTheme } from "@mui/material/styles";

export const theme = createTheme({
  palette: {
    mode: "dark",
    primary: { main: "#4fc3f7" },
    secondary: { main: "#ce93d8" },
    background: { default: "#0e1116", paper: "#151a21" },
  },
  typography: {
    fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  },
  components: {
    MuiTableCell: { styleOverrides: { root: { fontVariantNumeric: "tabular-nums" } } },
  },
});
