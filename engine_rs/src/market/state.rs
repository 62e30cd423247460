//! Tokens, pools and per-chain settings: what the chain tells us, applied
//! exactly, with cheap snapshots for rolling back a reorganization.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::pool::{Key, Pool, PoolId, PoolState, Token, TokenId};
use super::update::{hex, Update};
use crate::error::{InvalidInput, MathError, MathResult};
use crate::U256;

/// Where cycles start and end on a chain, and how gas is valued there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainConfig {
    pub base_tokens: Vec<TokenId>,
    /// The most one trade may put in (capital or flash-swap limit), in base token units.
    pub max_input: U256,
    pub gas_price_wei: U256,
    /// The token gas is paid in (wrapped native, e.g. WETH), for valuing gas in base tokens.
    pub native_token: Option<TokenId>,
}

impl Default for ChainConfig {
    fn default() -> Self {
        Self {
            base_tokens: Vec::new(),
            max_input: U256::from(1u8) << 128,
            gas_price_wei: U256::ZERO,
            native_token: None,
        }
    }
}

/// The market's data. Pools are shared copy-on-write (`Arc`), so a snapshot
/// copies a vector of pointers and an update copies only the pools it touches.
#[derive(Debug, Clone, Default)]
pub struct MarketState {
    pub tokens: Vec<Token>,
    pub token_index: HashMap<Key, TokenId>,
    pub pools: Vec<Arc<Pool>>,
    pub pool_index: HashMap<Key, PoolId>,
    pub chains: BTreeMap<u64, ChainConfig>,
    /// Bumped whenever the pool set, base tokens or native tokens change: the
    /// cycle index depends on exactly these.
    pub topology_version: u64,
}

fn invalid(field: &'static str, problem: String) -> MathError {
    InvalidInput::new(field, problem).into()
}

impl MarketState {
    pub fn token(&self, key: &Key, field: &'static str) -> MathResult<TokenId> {
        self.token_index.get(key).copied().ok_or_else(|| {
            invalid(field, format!("unknown token {} on chain {}; add_token first", hex(key), key.chain_id))
        })
    }

    pub fn pool_id(&self, key: &Key) -> MathResult<PoolId> {
        self.pool_index
            .get(key)
            .copied()
            .ok_or_else(|| invalid("pool", format!("unknown pool {} on chain {}", hex(key), key.chain_id)))
    }

    pub fn pool(&self, id: PoolId) -> Option<&Pool> {
        self.pools.get(id as usize).map(Arc::as_ref)
    }

    pub fn add_token(&mut self, key: Key, decimals: u8, symbol: String) -> MathResult<()> {
        if decimals > 77 {
            return Err(invalid("decimals", format!("{decimals} is more than a uint256 can scale")));
        }
        if let Some(&id) = self.token_index.get(&key) {
            let existing = self.tokens.get(id as usize);
            if existing.is_some_and(|t| t.decimals != decimals) {
                return Err(invalid(
                    "decimals",
                    format!("token {} was added with other decimals", hex(&key)),
                ));
            }
            return Ok(());
        }
        let id =
            TokenId::try_from(self.tokens.len()).map_err(|_| invalid("address", "too many tokens".into()))?;
        self.tokens.push(Token { key, decimals, symbol });
        self.token_index.insert(key, id);
        Ok(())
    }

    pub fn add_pool(
        &mut self,
        key: Key,
        token0: Key,
        token1: Key,
        dex: String,
        state: PoolState,
    ) -> MathResult<()> {
        if self.pool_index.contains_key(&key) {
            return Err(invalid("address", format!("pool {} already exists; remove it first", hex(&key))));
        }
        if token0.chain_id != key.chain_id || token1.chain_id != key.chain_id {
            return Err(invalid("token0", "pool and tokens must be on the same chain".into()));
        }
        if token0.address >= token1.address {
            return Err(invalid(
                "token0",
                format!("token0 {} must sort below token1 {}", hex(&token0), hex(&token1)),
            ));
        }
        let (token0, token1) = (self.token(&token0, "token0")?, self.token(&token1, "token1")?);
        if let PoolState::V2 { reserve0, reserve1, fee_bps } = &state {
            if *fee_bps >= 10_000 {
                return Err(invalid("fee_bps", format!("{fee_bps} must be below 10000")));
            }
            // The same checks as a Sync.
            let mut probe = Pool { key, token0, token1, dex: String::new(), state: state.clone() };
            Update::Sync { pool: key, reserve0: *reserve0, reserve1: *reserve1 }.apply_to(&mut probe)?;
        }
        let id =
            PoolId::try_from(self.pools.len()).map_err(|_| invalid("address", "too many pools".into()))?;
        self.pools.push(Arc::new(Pool { key, token0, token1, dex, state }));
        self.pool_index.insert(key, id);
        self.topology_version += 1;
        Ok(())
    }

    pub fn remove_pool(&mut self, key: &Key) -> MathResult<()> {
        let id = self.pool_id(key)? as usize;
        self.pools.swap_remove(id);
        self.pool_index.remove(key);
        if let Some(moved) = self.pools.get(id) {
            self.pool_index.insert(moved.key, id as PoolId);
        }
        self.topology_version += 1;
        Ok(())
    }

    pub fn chain_mut(&mut self, chain_id: u64) -> &mut ChainConfig {
        self.chains.entry(chain_id).or_default()
    }

    pub fn set_base_tokens(&mut self, chain_id: u64, tokens: &[Key], max_input: U256) -> MathResult<()> {
        let mut ids = Vec::with_capacity(tokens.len());
        for key in tokens {
            if key.chain_id != chain_id {
                return Err(invalid("tokens", format!("token {} is not on chain {chain_id}", hex(key))));
            }
            let id = self.token(key, "tokens")?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        if max_input.is_zero() {
            return Err(invalid("max_input", "must be positive".into()));
        }
        let chain = self.chain_mut(chain_id);
        chain.base_tokens = ids;
        chain.max_input = max_input;
        self.topology_version += 1;
        Ok(())
    }

    pub fn set_gas_price(
        &mut self,
        chain_id: u64,
        gas_price_wei: U256,
        native_token: &Key,
    ) -> MathResult<()> {
        if native_token.chain_id != chain_id {
            return Err(invalid(
                "native_token",
                format!("token {} is not on chain {chain_id}", hex(native_token)),
            ));
        }
        let native = self.token(native_token, "native_token")?;
        let chain = self.chain_mut(chain_id);
        chain.gas_price_wei = gas_price_wei;
        if chain.native_token != Some(native) {
            chain.native_token = Some(native);
            self.topology_version += 1;
        }
        Ok(())
    }

    /// Apply a batch atomically: every update is checked on scratch copies
    /// of the pools it touches, and only a batch that is entirely valid is
    /// committed. Returns the touched pools, or the failing update's index.
    pub fn apply_updates(&mut self, updates: &[Update]) -> Result<Vec<PoolId>, (usize, MathError)> {
        let mut scratch: Vec<(PoolId, Pool)> = Vec::new();
        for (index, update) in updates.iter().enumerate() {
            let id = self.pool_id(&update.pool()).map_err(|e| (index, e))?;
            let slot = match scratch.iter().position(|(touched, _)| *touched == id) {
                Some(slot) => slot,
                None => {
                    let pool = self
                        .pool(id)
                        .cloned()
                        .ok_or_else(|| (index, invalid("pool", "pool vanished".into())))?;
                    scratch.push((id, pool));
                    scratch.len() - 1
                }
            };
            if let Some((_, pool)) = scratch.get_mut(slot) {
                update.apply_to(pool).map_err(|e| (index, e))?;
            }
        }
        let mut touched = Vec::with_capacity(scratch.len());
        for (id, pool) in scratch {
            if let Some(slot) = self.pools.get_mut(id as usize) {
                *slot = Arc::new(pool);
                touched.push(id);
            }
        }
        Ok(touched)
    }
}
