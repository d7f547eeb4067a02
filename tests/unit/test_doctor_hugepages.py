"""The doctor's hugepages check for the FPGA agents."""
import pytest

from host.doctor_hugepages import hugepages_problem


def host(tmp_path, pages):
    if pages is not None:
        p = tmp_path / "sys/kernel/mm/hugepages/hugepages-1048576kB"
        p.mkdir(parents=True)
        (p / "nr_hugepages").write_text(f"{pages}\n")
    return tmp_path


@pytest.mark.parametrize("pages,fpga,ok", [(32, True, True), (16, True, True), (8, True, False),
                                           (None, True, False), (None, False, True)])
def test_hugepages(tmp_path, pages, fpga, ok):
    problem = hugepages_problem(host(tmp_path, pages), fpga)
    assert (problem is None) == ok
    if problem:
        assert problem.startswith("fpgaAgents:") and "fpgaAgents: false" in problem
