//! The audit log's Merkle tree, as Certificate Transparency builds it (RFC 6962 §2.1, RFC 9162
//! §2.1): leaves and nodes hashed with distinct prefixes, the tree of `n` leaves split at the
//! largest power of two below `n`, inclusion proofs of at most ⌈log₂ n⌉ hashes, and a frontier
//! that gives the root of a growing log in O(log n) per entry. Pure.

use sha2::{Digest, Sha256};

use crate::store::{Hash, Node};

/// `SHA-256(0x00 || entry)`
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(entry);
    hasher.finalize().into()
}

/// `SHA-256(0x01 || left || right)`
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([1u8]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The hash of an empty tree: `SHA-256()`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two smaller than `n` (`n` ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// The root of the tree over these leaf hashes (RFC 6962's MTH).
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The inclusion proof of leaf `index` in the tree over `leaves` (RFC 6962's PATH), nearest the
/// leaf first. `None` if `index` is not a leaf of it.
pub fn inclusion_proof(index: usize, leaves: &[Hash]) -> Option<Vec<Hash>> {
    if index >= leaves.len() {
        return None;
    }
    let mut proof = Vec::new();
    path(index, leaves, &mut proof);
    Some(proof)
}

fn path(index: usize, leaves: &[Hash], proof: &mut Vec<Hash>) {
    if leaves.len() <= 1 {
        return;
    }
    let k = split(leaves.len());
    if index < k {
        path(index, &leaves[..k], proof);
        proof.push(root(&leaves[k..]));
    } else {
        path(index - k, &leaves[k..], proof);
        proof.push(root(&leaves[..k]));
    }
}

/// Whether `proof` shows the leaf with hash `leaf` at `index` in a tree of `size` leaves whose
/// root is `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    index: usize,
    size: usize,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> bool {
    if index >= size {
        return false;
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && r == *root
}

/// The inclusion proof of leaf `index` in a tree of `size` leaves, from the roots of its
/// subtrees (`subtree(start, length)`), nearest the leaf first (RFC 6962's PATH). Every range
/// asked for is either a perfect subtree (stored) or a right edge made of at most log₂ n of
/// them. `None` if `index` is not a leaf.
pub fn inclusion_path(index: u64, size: u64) -> Option<Vec<(u64, u64)>> {
    if index >= size {
        return None;
    }
    let (mut start, mut length, mut index) = (0u64, size, index);
    let mut ranges = Vec::new();
    while length > 1 {
        let k = split(usize::try_from(length).ok()?) as u64;
        if index < k {
            ranges.push((start + k, length - k));
            length = k;
        } else {
            ranges.push((start, k));
            start += k;
            index -= k;
            length -= k;
        }
    }
    ranges.reverse();
    Some(ranges)
}

/// The perfect subtrees (`(height, index)`) whose roots, folded right to left, give the root of
/// leaves `start … start + length − 1` as RFC 6962 splits them.
pub fn perfect_parts(start: u64, length: u64) -> Vec<(u32, u64)> {
    let mut parts = Vec::new();
    let (mut start, mut length) = (start, length);
    while length > 0 {
        // The largest power of two that fits, aligned on `start`.
        let mut size = 1u64 << (63 - length.leading_zeros());
        while start % size != 0 {
            size >>= 1;
        }
        parts.push((size.trailing_zeros(), start / size));
        start += size;
        length -= size;
    }
    parts
}

/// The roots of the perfect subtrees along the right edge of a growing tree, largest first:
/// appending a leaf merges equal-sized neighbours, and the root folds them right to left.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// `(height, root)` of each perfect subtree, left to right.
    subtrees: Vec<(u32, Hash)>,
}

impl Frontier {
    /// The frontier of a tree of `size` leaves from the roots of its perfect subtrees, left to
    /// right, as `(height, root)`: one per bit set in `size`, highest first.
    pub fn from_subtrees(size: u64, subtrees: Vec<(u32, Hash)>) -> Self {
        Self { size, subtrees }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf; answers the perfect subtrees it completes, as `(height, index, root)`
    /// (the subtree of height `h` and index `i` covers leaves `i·2^h … (i+1)·2^h − 1`), for
    /// them to be stored: inclusion proofs then read O(log n) of them instead of every leaf.
    pub fn push(&mut self, leaf: Hash) -> Vec<Node> {
        let index = self.size;
        let mut completed = Vec::new();
        let mut node = (0u32, leaf);
        while let Some(&(height, left)) = self.subtrees.last() {
            if height != node.0 {
                break;
            }
            self.subtrees.pop();
            node = (height + 1, node_hash(&left, &node.1));
            completed.push(Node { height: node.0, index: index >> node.0, hash: node.1 });
        }
        self.subtrees.push(node);
        self.size += 1;
        completed
    }

    pub fn root(&self) -> Hash {
        let mut iter = self.subtrees.iter().rev();
        let Some(&(_, mut acc)) = iter.next() else { return empty_root() };
        for (_, left) in iter {
            acc = node_hash(left, &acc);
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(format!("entry {i}").as_bytes())).collect()
    }

    #[test]
    fn the_frontier_agrees_with_the_whole_tree() {
        let all = leaves(300);
        let mut frontier = Frontier::default();
        assert_eq!(frontier.root(), empty_root());
        for (i, leaf) in all.iter().enumerate() {
            frontier.push(*leaf);
            assert_eq!(frontier.root(), root(&all[..=i]), "size {}", i + 1);
        }
    }

    #[test]
    fn every_leaf_is_proven_in_at_most_log2_n_hashes_and_nothing_else_is() {
        for n in 1..=70 {
            let all = leaves(n);
            let top = root(&all);
            let bound = (n as f64).log2().ceil() as usize;
            for i in 0..n {
                let proof = inclusion_proof(i, &all).unwrap();
                assert!(proof.len() <= bound, "n {n}, leaf {i}: {} hashes", proof.len());
                assert!(verify_inclusion(i, n, &all[i], &proof, &top), "n {n}, leaf {i}");
                // Another leaf, a proof one hash short, or a changed hash: refused.
                if n > 1 {
                    assert!(!verify_inclusion(i, n, &all[(i + 1) % n], &proof, &top));
                    assert!(!verify_inclusion(i, n, &all[i], &proof[1..], &top));
                }
                assert!(!verify_inclusion(i, n, &all[i], &proof, &empty_root()));
                if let Some(first) = proof.first() {
                    let mut bent = proof.clone();
                    bent[0] = node_hash(first, first);
                    assert!(!verify_inclusion(i, n, &all[i], &bent, &top));
                }
            }
            assert!(inclusion_proof(n, &all).is_none());
        }
    }

    #[test]
    fn proofs_from_stored_subtrees_equal_proofs_from_every_leaf() {
        use std::collections::HashMap;
        for n in 1..=70u64 {
            let all = leaves(n as usize);
            // What the log stores as it grows: the leaves, and each subtree its frontier completes.
            let mut stored: HashMap<(u32, u64), Hash> = HashMap::new();
            let mut frontier = Frontier::default();
            for (i, leaf) in all.iter().enumerate() {
                stored.insert((0, i as u64), *leaf);
                for node in frontier.push(*leaf) {
                    stored.insert((node.height, node.index), node.hash);
                }
            }
            let subtree = |start: u64, length: u64| {
                let parts: Vec<Hash> =
                    perfect_parts(start, length).iter().map(|part| stored[part]).collect();
                let mut acc = *parts.last().unwrap();
                for left in parts.iter().rev().skip(1) {
                    acc = node_hash(left, &acc);
                }
                acc
            };
            for i in 0..n {
                let from_nodes: Vec<Hash> = inclusion_path(i, n)
                    .unwrap()
                    .into_iter()
                    .map(|(start, length)| subtree(start, length))
                    .collect();
                assert_eq!(
                    from_nodes,
                    inclusion_proof(i as usize, &all).unwrap(),
                    "n {n}, leaf {i}"
                );
            }
            assert!(inclusion_path(n, n).is_none());
        }
    }

    #[test]
    fn known_shape_of_a_small_tree() {
        let all = leaves(3);
        let expected = node_hash(&node_hash(&all[0], &all[1]), &all[2]);
        assert_eq!(root(&all), expected);
        assert_eq!(inclusion_proof(2, &all).unwrap(), vec![node_hash(&all[0], &all[1])]);
    }
}
