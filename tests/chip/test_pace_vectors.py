"""PACE against the worked example of ICAO Doc 9303 part 11 (ECDH, brainpoolP256r1, AES-128):
the nonce's decryption, the key agreement on a mapped generator, the session keys and the
authentication tokens. The protocol tests run the station against the project's own card; these
numbers come from the standard, so both sides cannot share one mistake."""

from __future__ import annotations

from station.chip import ec
from station.chip.pace import PaceInfo, _decrypt_nonce, token
from station.chip.sm import kdf

H = bytes.fromhex


def test_icao_worked_example() -> None:
    curve = ec.CURVES["brainpoolP256r1"]
    info = PaceInfo("0.4.0.127.0.7.2.2.4.4.2", "AES", 128, curve)
    s = _decrypt_nonce(info, H("591468CDA83D65219CCCB8560233600F"),
                       H("143DC40C08C8E891FBED7DEDB92B64AD"))  # fmt: skip
    assert s == H("2923BE84E16CD6AE529049F1F1BBE9EB")
    g2 = curve.decode(H(
        "048E82D31559ED0FDE92A4D0498ADD3C23BABA94FB77691E31E90AEA77FB17D427"
        "4C1AE14BD0C3DBAC0C871B7F3608169364437CA30AC243A089D3F266C1E60FAD"
    ))  # fmt: skip
    t = int.from_bytes(H("A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595"))
    terminal = curve.encode(curve.mul(t, g2))
    assert terminal == H(
        "0489CBA23FFE96AA18D824627C3E934E54A9FD0B87A95D1471DC1C0ABFDCD640D4"
        "6755DE9B7B778280B6BEBD57439ADFEB0E21FD4ED6DF42578C13418A59B34C37"
    )
    chip_pub = H(
        "0467F78E5F7F7686082B293E8D087E056916D0F74BC01A5F8957D0DE45691E51E8"
        "932B69A962B52A0985AD2C0A271EE6A13A8ADDDCD1A3A994B9DED257F4D22753"
    )
    shared = curve.mul(t, curve.decode(chip_pub))
    assert shared is not None
    k = shared[0].to_bytes(32, "big")
    assert k == H("4F150FDE1D4F0E38E95017B891BAE17133A0DF45B0D3E18B60BA7BEAFDC2C713")
    assert kdf(k, 1, "AES") == H("0D3FEB33251A6370893D62AE8DAAF51B")
    k_mac = kdf(k, 2, "AES")
    assert k_mac == H("B01E89E3D9E8719E586B50B4A7506E0B")
    assert token(info, k_mac, chip_pub) == H("450F02B86F6A0909")
    assert token(info, k_mac, terminal) == H("75D4D96E8D5B0308")
