//! HMAC (RFC 2104) keyed once, computed on the hash functions' compression functions.
//!
//! Keyed, an HMAC is two hash states: the chaining values after compressing the key XOR
//! ipad, and after the key XOR opad. A HOTP counter message (8 bytes) and the inner digest
//! each fit in one padded block (FIPS 180-4, section 5.1), so a code costs exactly two calls
//! of the `sha1`/`sha2` crates' compression functions, on blocks built on the stack. The
//! `hmac` crate's streaming state, copied and padded through generic buffers for every code,
//! costs a fifth more per code; the tests check this module against it.

use sha1::Digest;
use zeroize::{Zeroize, Zeroizing};

/// A Merkle–Damgård hash seen through its compression function.
pub trait BlockHash {
    /// The chaining value.
    type State: Copy + Zeroize;
    /// One input block.
    type Block: Copy + AsRef<[u8]> + AsMut<[u8]> + Zeroize;
    /// The initial chaining value.
    const IV: Self::State;
    /// An all-zero block.
    const ZERO_BLOCK: Self::Block;
    /// Size of the length field that ends the padding, in bytes.
    const LENGTH_BYTES: usize;
    /// Size of the digest, in bytes.
    const OUTPUT_BYTES: usize;

    /// Compresses one block into the chaining value.
    fn compress(state: &mut Self::State, block: &Self::Block);

    /// Writes the digest of a final chaining value (big-endian words, truncated to the digest).
    fn write_digest(state: &Self::State, out: &mut [u8]);

    /// The full hash of `data` (to shorten keys longer than a block).
    fn digest(data: &[u8]) -> Zeroizing<Vec<u8>>;
}

/// SHA-1 (FIPS 180-4, section 6.1).
pub enum Sha1 {}

/// SHA-256 (FIPS 180-4, section 6.2).
pub enum Sha256 {}

/// SHA-512 (FIPS 180-4, section 6.4).
pub enum Sha512 {}

/// Writes big-endian words one after the other at the start of `out`.
fn write_words<const W: usize>(words: impl Iterator<Item = [u8; W]>, out: &mut [u8]) {
    for (chunk, word) in out.chunks_exact_mut(W).zip(words) {
        chunk.copy_from_slice(&word);
    }
}

impl BlockHash for Sha1 {
    type State = [u32; 5];
    type Block = [u8; 64];
    const IV: Self::State = [
        0x6745_2301,
        0xefcd_ab89,
        0x98ba_dcfe,
        0x1032_5476,
        0xc3d2_e1f0,
    ];
    const ZERO_BLOCK: Self::Block = [0; 64];
    const LENGTH_BYTES: usize = 8;
    const OUTPUT_BYTES: usize = 20;

    fn compress(state: &mut Self::State, block: &Self::Block) {
        sha1::block_api::compress(state, std::slice::from_ref(block));
    }

    fn write_digest(state: &Self::State, out: &mut [u8]) {
        write_words(state.iter().map(|w| w.to_be_bytes()), out);
    }

    fn digest(data: &[u8]) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(sha1::Sha1::digest(data).to_vec())
    }
}

impl BlockHash for Sha256 {
    type State = [u32; 8];
    type Block = [u8; 64];
    const IV: Self::State = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    const ZERO_BLOCK: Self::Block = [0; 64];
    const LENGTH_BYTES: usize = 8;
    const OUTPUT_BYTES: usize = 32;

    fn compress(state: &mut Self::State, block: &Self::Block) {
        sha2::block_api::compress256(state, std::slice::from_ref(block));
    }

    fn write_digest(state: &Self::State, out: &mut [u8]) {
        write_words(state.iter().map(|w| w.to_be_bytes()), out);
    }

    fn digest(data: &[u8]) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(sha2::Sha256::digest(data).to_vec())
    }
}

impl BlockHash for Sha512 {
    type State = [u64; 8];
    type Block = [u8; 128];
    const IV: Self::State = [
        0x6a09_e667_f3bc_c908,
        0xbb67_ae85_84ca_a73b,
        0x3c6e_f372_fe94_f82b,
        0xa54f_f53a_5f1d_36f1,
        0x510e_527f_ade6_82d1,
        0x9b05_688c_2b3e_6c1f,
        0x1f83_d9ab_fb41_bd6b,
        0x5be0_cd19_137e_2179,
    ];
    const ZERO_BLOCK: Self::Block = [0; 128];
    const LENGTH_BYTES: usize = 16;
    const OUTPUT_BYTES: usize = 64;

    fn compress(state: &mut Self::State, block: &Self::Block) {
        sha2::block_api::compress512(state, std::slice::from_ref(block));
    }

    fn write_digest(state: &Self::State, out: &mut [u8]) {
        write_words(state.iter().map(|w| w.to_be_bytes()), out);
    }

    fn digest(data: &[u8]) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(sha2::Sha512::digest(data).to_vec())
    }
}

/// Writes an HMAC key as the first step of keying leaves it: hashed if longer than a block,
/// then zero-padded to a block, at the start of `out` (at least a block long, and all zeros:
/// the padding is what is left of them); returns how many bytes before the padding hold the key.
///
/// Writing over zeros spares a fill of the padding, whose length varies with the key: a call
/// to `memset` that cost a tenth of a one-shot code.
pub fn pad_key<H: BlockHash>(key: &[u8], out: &mut [u8]) -> usize {
    let len = H::ZERO_BLOCK.as_ref().len();
    debug_assert!(
        out[..len].iter().all(|&b| b == 0),
        "pad_key writes over zeros"
    );
    let hashed;
    let key = if key.len() > len {
        hashed = H::digest(key);
        &hashed[..]
    } else {
        key
    };
    out[..key.len()].copy_from_slice(key);
    key.len()
}

/// XORs every byte of a block with `pad`.
fn xor_bytes<B: AsMut<[u8]>>(block: &mut B, pad: u8) {
    for byte in block.as_mut() {
        *byte ^= pad;
    }
}

/// The largest digest of the three, in bytes.
pub const MAX_OUTPUT_BYTES: usize = 64;

/// The hash of `prefix_blocks` already-compressed blocks (in `state`) followed by `message`:
/// the remaining whole blocks, then the padding and the length in bits.
fn finish<H: BlockHash>(mut state: H::State, prefix_blocks: usize, message: &[u8]) -> H::State {
    let block_len = H::ZERO_BLOCK.as_ref().len();
    let mut chunks = message.chunks_exact(block_len);
    for chunk in &mut chunks {
        let mut block = H::ZERO_BLOCK;
        block.as_mut().copy_from_slice(chunk);
        H::compress(&mut state, &block);
    }
    let rest = chunks.remainder();
    let mut block = H::ZERO_BLOCK;
    block.as_mut()[..rest.len()].copy_from_slice(rest);
    block.as_mut()[rest.len()] = 0x80;
    if rest.len() + 1 + H::LENGTH_BYTES > block_len {
        H::compress(&mut state, &block);
        block = H::ZERO_BLOCK;
    }
    let bits = (prefix_blocks as u128 * block_len as u128 + message.len() as u128) * 8;
    block.as_mut()[block_len - H::LENGTH_BYTES..]
        .copy_from_slice(&bits.to_be_bytes()[16 - H::LENGTH_BYTES..]);
    H::compress(&mut state, &block);
    state
}

/// An HMAC key for one hash function: the chaining values after the two key pads.
///
/// They stand in for the key, so they are wiped on drop.
pub struct HmacKey<H: BlockHash> {
    inner: H::State,
    outer: H::State,
}

impl<H: BlockHash> HmacKey<H> {
    /// Keys the HMAC: a key longer than a block is hashed first, then zero-padded to a block.
    pub fn new(key: &[u8]) -> Self {
        let mut block = H::ZERO_BLOCK;
        // Zeroed whole, not trimmed by the optimiser to the tail the key leaves (a `memset`
        // call of a variable length, slower than the constant-size stores).
        std::hint::black_box(block.as_mut());
        pad_key::<H>(key, block.as_mut());
        Self::from_pads_of(&mut block)
    }

    /// Keys the HMAC from a key that [`pad_key`] wrote (the first block of `padded`).
    pub fn from_padded_key(padded: &[u8]) -> Self {
        let mut block = H::ZERO_BLOCK;
        let len = block.as_ref().len();
        block.as_mut().copy_from_slice(&padded[..len]);
        Self::from_pads_of(&mut block)
    }

    /// Keys the HMAC from a padded key block, then wipes the block in place: one block holds
    /// the key XOR ipad, then (XOR-ed again) the key XOR opad.
    fn from_pads_of(block: &mut H::Block) -> Self {
        let mut inner = H::IV;
        xor_bytes(block, 0x36);
        H::compress(&mut inner, block);
        let mut outer = H::IV;
        xor_bytes(block, 0x36 ^ 0x5c);
        H::compress(&mut outer, block);
        crate::secret::wipe(block.as_mut());
        Self { inner, outer }
    }

    /// The HMAC of `message`, written to the start of `out` (at least the digest size);
    /// returns the digest size.
    pub fn mac_into(&self, message: &[u8], out: &mut [u8; MAX_OUTPUT_BYTES]) -> usize {
        let inner = Zeroizing::new(finish::<H>(self.inner, 1, message));
        H::write_digest(&inner, out);
        let outer = finish::<H>(self.outer, 1, &out[..H::OUTPUT_BYTES]);
        H::write_digest(&outer, out);
        H::OUTPUT_BYTES
    }
}

impl<H: BlockHash> Drop for HmacKey<H> {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, KeyInit, Mac};

    fn reference<D: hmac::EagerHash>(key: &[u8], message: &[u8]) -> Vec<u8>
    where
        Hmac<D>: KeyInit + Mac,
    {
        let mut mac = <Hmac<D> as KeyInit>::new_from_slice(key).expect("any key length");
        mac.update(message);
        mac.finalize().into_bytes().to_vec()
    }

    fn ours<H: BlockHash>(key: &[u8], message: &[u8]) -> Vec<u8> {
        let mut out = [0; MAX_OUTPUT_BYTES];
        let len = HmacKey::<H>::new(key).mac_into(message, &mut out);
        out[..len].to_vec()
    }

    /// Every key length around the block size (hashed or padded) and every message length
    /// across the one- and two-block padding cases, against the `hmac` crate.
    #[test]
    fn matches_the_hmac_crate_for_all_key_and_message_lengths() {
        let bytes: Vec<u8> = (0..=600u32).map(|i| (i * 131 + 7) as u8).collect();
        for key_len in (0..=300).step_by(7).chain([63, 64, 65, 127, 128, 129]) {
            let key = &bytes[..key_len];
            for msg_len in (0..=300)
                .step_by(5)
                .chain([55, 56, 57, 111, 112, 113, 119, 120])
            {
                let message = &bytes[300..300 + msg_len];
                assert_eq!(
                    ours::<Sha1>(key, message),
                    reference::<sha1::Sha1>(key, message)
                );
                assert_eq!(
                    ours::<Sha256>(key, message),
                    reference::<sha2::Sha256>(key, message)
                );
                assert_eq!(
                    ours::<Sha512>(key, message),
                    reference::<sha2::Sha512>(key, message)
                );
            }
        }
    }

    /// RFC 2202 test case 1 (HMAC-SHA1) and RFC 4231 test case 2 (HMAC-SHA256/512).
    #[test]
    fn rfc_2202_and_4231_vectors() {
        let hex = |bytes: Vec<u8>| data_encoding::HEXLOWER.encode(&bytes);
        assert_eq!(
            hex(ours::<Sha1>(&[0x0b; 20], b"Hi There")),
            "b617318655057264e28bc0b6fb378c8ef146be00"
        );
        assert_eq!(
            hex(ours::<Sha256>(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(ours::<Sha512>(b"Jefe", b"what do ya want for nothing?")),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
             9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        );
    }
}
